"""A Flask app as a workspace user would write it: served at / of its own host, no proxy awareness.

usage: python3 flask_app.py PORT
"""
import sys

from flask import Flask, request

app = Flask(__name__)
hits = {"n": 0}


@app.route("/")
def index():
    hits["n"] += 1
    return f"flask ok host={request.host}\n"


@app.route("/hits")
def count():
    return f"{hits['n']}\n"


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]))
