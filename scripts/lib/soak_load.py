#!/usr/bin/env python3
"""Drives mixed traffic through the Codermon proxy for a bounded time and prints a JSON summary.

usage: soak_load.py CONFIG_JSON
CONFIG_JSON holds: proxy_port, seconds, workers, workspaces (list of {host, user, token, victim}),
kill_command (argv list run with the victim's id appended, or empty), restart_command (same),
kill_every (seconds).

Each worker loops until the deadline over: keep-alive HTTP GETs (absolute form), a WebSocket handshake
plus a frame and a close (absolute form), a CONNECT :80 tunnel carrying requests, and refusals that
must be refused (bad token: 407, another user's workspace: 403, a foreign host: 403). A killer thread
kills the victim workspace every kill_every seconds and starts it again; requests to the victim while
it is down are counted as "victim_down" instead of errors. Every socket has a 10 s timeout.
"""
import base64
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

lock = threading.Lock()
counts = Counter()
errors = Counter()
victim_down = threading.Event()


def count(kind, n=1):
    with lock:
        counts[kind] += n


def error(kind):
    with lock:
        errors[kind] += 1


def read_response(sock, buf):
    """Reads one response (Content-Length or chunked); returns (status, body, rest of buffer)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response head")
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if status in (101, 204, 304) or 100 <= status < 200 or lines[0].find("Connection Established") > 0:
        return status, b"", buf, headers
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(buf) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed mid-body")
            buf += chunk
        return status, buf[:n], buf[n:], headers
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            while b"\r\n" not in buf:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed mid-chunk")
                buf += chunk
            size_line, buf = buf.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(buf) < size + 2:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed mid-chunk")
                buf += chunk
            body += buf[:size]
            buf = buf[size + 2:]
            if size == 0:
                return status, body, buf, headers
    data = buf
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return status, data, b"", headers
        data += chunk


def basic(user, token):
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


class Worker(threading.Thread):
    def __init__(self, cfg, deadline, seed):
        super().__init__(daemon=True)
        self.cfg = cfg
        self.deadline = deadline
        self.rand = random.Random(seed)

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.cfg["proxy_port"]), timeout=10)
        s.settimeout(10)
        return s

    def expect(self, kind, ws, status, wanted):
        if status == wanted:
            count(kind)
        elif ws.get("victim") and victim_down.is_set():
            count("victim_down")
        else:
            error(f"{kind}: status {status}")

    def http(self, ws):
        with self.connect() as s:
            buf = b""
            for i in range(self.rand.randint(1, 20)):
                # code-server answers / with a redirect to its workbench.
                path, wanted = self.rand.choice([("/healthz", 200), ("/", 302), ("/manifest.json", 200)])
                s.sendall((f"GET http://{ws['host']}{path} HTTP/1.1\r\nHost: {ws['host']}\r\n"
                           f"Proxy-Authorization: {basic(ws['user'], ws['token'])}\r\n\r\n").encode())
                status, _, buf, headers = read_response(s, buf)
                self.expect("http", ws, status, wanted)
                if status != wanted or headers.get("connection", "").lower() == "close":
                    return

    def websocket(self, ws, tunnel):
        with self.connect() as s:
            buf = b""
            path = f"/?reconnectionToken={os.urandom(8).hex()}&reconnection=false&skipWebSocketFrames=false"
            key = base64.b64encode(os.urandom(16)).decode()
            headers = (f"Host: {ws['host']}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://{ws['host']}\r\n")
            auth = f"Proxy-Authorization: {basic(ws['user'], ws['token'])}\r\n"
            if tunnel:
                s.sendall(f"CONNECT {ws['host']}:80 HTTP/1.1\r\nHost: {ws['host']}:80\r\n{auth}\r\n".encode())
                status, _, buf, _ = read_response(s, buf)
                if status != 200:
                    self.expect("tunnel", ws, status, 200)
                    return
                count("tunnel")
                # A few plain requests inside the tunnel, then the WebSocket.
                for _ in range(self.rand.randint(1, 5)):
                    s.sendall(f"GET /healthz HTTP/1.1\r\nHost: {ws['host']}\r\n\r\n".encode())
                    status, _, buf, _ = read_response(s, buf)
                    self.expect("tunnel_http", ws, status, 200)
                    if status != 200:
                        return
                s.sendall(f"GET {path} HTTP/1.1\r\n{headers}\r\n".encode())
            else:
                s.sendall(f"GET http://{ws['host']}{path} HTTP/1.1\r\n{headers}{auth}\r\n".encode())
            status, _, buf, _ = read_response(s, buf)
            self.expect("websocket", ws, status, 101)
            if status == 101:
                # A masked ping then a close; code-server answers or closes, either is fine.
                s.sendall(bytes([0x89, 0x80]) + os.urandom(4))
                time.sleep(self.rand.uniform(0, 0.5))
                s.sendall(bytes([0x88, 0x80]) + os.urandom(4))

    def refusals(self, ws, others):
        cases = [
            (f"GET http://{ws['host']}/ HTTP/1.1\r\nHost: {ws['host']}\r\n"
             f"Proxy-Authorization: Bearer not.a.valid.token\r\n\r\n", 407, "refused_bad_token"),
            (f"GET http://foreign.invalid/ HTTP/1.1\r\nHost: foreign.invalid\r\n"
             f"Proxy-Authorization: {basic(ws['user'], ws['token'])}\r\n\r\n", 403, "refused_foreign_host"),
        ]
        other = next((o for o in others if o["user"] != ws["user"]), None)
        if other:
            cases.append((f"GET http://{other['host']}/ HTTP/1.1\r\nHost: {other['host']}\r\n"
                          f"Proxy-Authorization: {basic(ws['user'], ws['token'])}\r\n\r\n", 403, "refused_other_user"))
        request, wanted, kind = self.rand.choice(cases)
        with self.connect() as s:
            s.sendall(request.encode())
            status, _, _, _ = read_response(s, b"")
            if status == wanted:
                count(kind)
            else:
                error(f"{kind}: status {status}")

    def run(self):
        workspaces = self.cfg["workspaces"]
        while time.monotonic() < self.deadline:
            ws = self.rand.choice(workspaces)
            action = self.rand.random()
            try:
                if action < 0.55:
                    self.http(ws)
                elif action < 0.7:
                    self.websocket(ws, tunnel=False)
                elif action < 0.85:
                    self.websocket(ws, tunnel=True)
                else:
                    self.refusals(ws, workspaces)
            except socket.timeout:
                if ws.get("victim") and victim_down.is_set():
                    count("victim_down")
                else:
                    error(f"timeout ({'victim' if ws.get('victim') else 'steady'})")
            except (ConnectionError, OSError) as e:
                if ws.get("victim") and victim_down.is_set():
                    count("victim_down")
                else:
                    error(f"connection: {type(e).__name__}")


def killer(cfg, deadline):
    victims = [w for w in cfg["workspaces"] if w.get("victim")]
    if not victims or not cfg.get("kill_command"):
        return
    while time.monotonic() + cfg["kill_every"] < deadline:
        time.sleep(cfg["kill_every"])
        victim = random.choice(victims)
        victim_down.set()
        subprocess.run(cfg["kill_command"] + [victim["id"]], check=False, capture_output=True, timeout=60)
        count("workspace_kills")
        time.sleep(1)
        result = subprocess.run(cfg["restart_command"] + [victim["id"]], check=False, capture_output=True,
                                timeout=120)
        if result.returncode != 0:
            error("workspace restart failed")
        # Give the proxy's route cache its refresh interval to see the restarted route.
        time.sleep(2)
        victim_down.clear()


def main():
    cfg = json.loads(open(sys.argv[1]).read())
    deadline = time.monotonic() + cfg["seconds"]
    threads = [Worker(cfg, deadline, i) for i in range(cfg["workers"])]
    threads.append(threading.Thread(target=killer, args=(cfg, deadline), daemon=True))
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1, deadline - time.monotonic()) + 150)
    print(json.dumps({"seconds": round(time.monotonic() - started, 1), "counts": dict(counts),
                      "errors": dict(errors)}))


if __name__ == "__main__":
    main()
