"""The example stack's app: Python's standard library only (wsgiref + sqlite3), so it runs anywhere.

    python3 app.py migrate   create the table (a release task)
    python3 app.py serve     answer HTTP on $PORT, counting visits in SQLite
    python3 app.py worker    a background worker that records a heartbeat every few seconds
"""
import os
import sqlite3
import sys
import time
from wsgiref.simple_server import make_server


def connect():
    url = os.environ["DATABASE_URL"]
    return sqlite3.connect(url.removeprefix("sqlite:///"), timeout=10)


def migrate():
    with connect() as db:
        db.execute("create table if not exists visits (at real, replica text)")
        db.execute("create table if not exists heartbeats (at real)")
    print("migrated", flush=True)


def app(environ, start_response):
    if environ["PATH_INFO"] == "/health":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok\n"]
    replica = os.environ.get("BERTH_REPLICA", "?")
    with connect() as db:
        db.execute("insert into visits values (?, ?)", (time.time(), replica))
        visits = db.execute("select count(*) from visits").fetchone()[0]
        beats = db.execute("select count(*) from heartbeats").fetchone()[0]
    body = f"hello from replica {replica}: {visits} visits, {beats} worker heartbeats\n"
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body.encode()]


def serve():
    port = int(os.environ["PORT"])
    print(f"serving on http://127.0.0.1:{port}/", flush=True)
    make_server("127.0.0.1", port, app).serve_forever()


def worker():
    while True:
        with connect() as db:
            db.execute("insert into heartbeats values (?)", (time.time(),))
        print("heartbeat", flush=True)
        time.sleep(5)


{"migrate": migrate, "serve": serve, "worker": worker}[sys.argv[1]]()
