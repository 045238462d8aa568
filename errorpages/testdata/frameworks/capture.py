#!/usr/bin/env python3
"""Record HTTP exchanges with a running app as fixture files.

Usage: capture.py FRAMEWORK VERSION BASE_URL CASES_JSON OUT_DIR

CASES_JSON is a list of {"case", "method", "path", "headers", "body"}. For each
case one request is sent to BASE_URL and the exchange is written to
OUT_DIR/<framework>-<case>.json with the response's status, its headers exactly
as sent (names as the server spelled them, in order) and its body as a string.
Standard library only, so any python3 runs it.
"""
import http.client
import json
import sys
import urllib.parse


def main():
    framework, version, base, cases_path, out_dir = sys.argv[1:6]
    url = urllib.parse.urlsplit(base)
    with open(cases_path) as f:
        cases = json.load(f)
    for c in cases:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        headers = dict(c.get("headers", {}))
        body = c.get("body")
        # No Accept-Encoding: the bodies are recorded as the app writes them.
        conn.putrequest(c["method"], c["path"], skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        data = body.encode() if body is not None else None
        if data is not None:
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        resp = conn.getresponse()
        raw = resp.read()
        resp_headers = {}
        for k, v in resp.getheaders():
            if k in resp_headers:
                raise SystemExit(f"{framework}-{c['case']}: repeated header {k}")
            resp_headers[k] = v
        conn.close()
        fixture = {
            "framework": framework,
            "version": version,
            "request": {
                "method": c["method"],
                "path": c["path"],
                "headers": headers,
                "body": body if body is not None else "",
            },
            "status": resp.status,
            "headers": resp_headers,
            "body": raw.decode("utf-8"),
        }
        name = f"{out_dir}/{framework}-{c['case']}.json"
        with open(name, "w") as f:
            json.dump(fixture, f, indent=2, ensure_ascii=False)
            f.write("\n")
        print(f"{name}: {resp.status} {resp_headers.get('Content-Type') or resp_headers.get('content-type', '')}")


if __name__ == "__main__":
    main()
