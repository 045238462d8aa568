"""FastAPI with its default error handling: pydantic's 422, HTTPException,
and an unhandled exception (uvicorn's plain-text 500). Run by capture.sh
with uvicorn on 127.0.0.1."""
from typing import List

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, EmailStr, conint, constr

app = FastAPI()


class Item(BaseModel):
    sku: constr(min_length=3)
    qty: conint(ge=1)


class User(BaseModel):
    email: EmailStr
    name: constr(min_length=1)
    age: conint(ge=18)
    items: List[Item] = []


@app.post("/users", status_code=201)
def create_user(user: User):
    return user


@app.get("/items")
def list_items(limit: int = Query(10, ge=1, le=100)):
    return []


@app.get("/items/{item_id}")
def get_item(item_id: int):
    raise HTTPException(status_code=404, detail="Item not found")


@app.get("/boom")
def boom():
    raise RuntimeError("connection to postgres://app:s3cret@10.0.3.7:5432/app failed")
