"""Flask with its default error pages, on Werkzeug's development server
(which sends its own Server header). Run by capture.sh: python3
flask_app.py PORT."""
import sys

from flask import Flask, abort, jsonify

app = Flask(__name__)


@app.post("/form")
def form():
    abort(400)


@app.post("/api/login")
def login():
    return jsonify(error="invalid_credentials", message="Invalid email or password"), 400


@app.get("/boom")
def boom():
    raise RuntimeError("connection to redis://10.0.3.9:6379 refused")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]))
