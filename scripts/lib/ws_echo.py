#!/usr/bin/env python3
"""Opens a WebSocket through the Codermon proxy (inside CONNECT HOST:80), sends one text frame and
prints the text frame that comes back, or the status code of the refusal.

usage: ws_echo.py PROXY_PORT HOST PATH USER TOKEN [ORIGIN]
Prints e.g. "echo: hello", or "403" / "CONNECT 407" when refused.
"""
import base64
import os
import socket
import sys


def head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    parts = line.split(" ")
    return (parts[1] if len(parts) > 1 else "none"), data.split(b"\r\n\r\n", 1)[-1]


def read_exact(sock, n, buf):
    while len(buf) < n:
        chunk = sock.recv(4096)
        if not chunk:
            raise EOFError("closed")
        buf += chunk
    return buf[:n], buf[n:]


def main():
    port, host, path, user, token = sys.argv[1:6]
    origin = sys.argv[6] if len(sys.argv) > 6 else f"http://{host}"
    auth = "Proxy-Authorization: Basic " + base64.b64encode(f"{user}:{token}".encode()).decode() + "\r\n"
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", int(port)), timeout=15) as s:
        s.sendall(f"CONNECT {host}:80 HTTP/1.1\r\nHost: {host}:80\r\n{auth}\r\n".encode())
        code, _ = head(s)
        if code != "200":
            print(f"CONNECT {code}")
            return
        s.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n").encode())
        code, rest = head(s)
        if code != "101":
            print(code)
            return
        payload = b"hello"
        mask = os.urandom(4)
        s.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        hdr, rest = read_exact(s, 2, rest)
        length = hdr[1] & 0x7F
        data, rest = read_exact(s, length, rest)
        print(data.decode())


if __name__ == "__main__":
    main()
