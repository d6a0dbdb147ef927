#!/usr/bin/env python3
"""Opens a WebSocket handshake through the Codermon proxy and prints the status line's code.

usage: ws_probe.py PROXY_PORT HOST USER TOKEN MODE [ORIGIN]
  MODE absolute: GET http://HOST/... with Upgrade: websocket, sent to the proxy
  MODE connect:  CONNECT HOST:80 first, then the handshake inside the tunnel
Prints e.g. "101" (or "CONNECT 407" when the tunnel itself is refused).
"""
import base64
import os
import socket
import sys
import uuid


def status(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    parts = line.split(" ")
    return parts[1] if len(parts) > 1 else "none"


def main():
    port, host, user, token, mode = sys.argv[1:6]
    origin = sys.argv[6] if len(sys.argv) > 6 else f"http://{host}"
    auth = "Proxy-Authorization: Basic " + base64.b64encode(f"{user}:{token}".encode()).decode() + "\r\n" \
        if token else ""
    path = f"/?reconnectionToken={uuid.uuid4()}&reconnection=false&skipWebSocketFrames=false"
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (f"Host: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n")
    with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as s:
        if mode == "connect":
            s.sendall(f"CONNECT {host}:80 HTTP/1.1\r\nHost: {host}:80\r\n{auth}\r\n".encode())
            code = status(s)
            if code != "200":
                print(f"CONNECT {code}")
                return
            s.sendall(f"GET {path} HTTP/1.1\r\n{handshake}\r\n".encode())
        else:
            s.sendall(f"GET http://{host}{path} HTTP/1.1\r\n{handshake}{auth}\r\n".encode())
        print(status(s))


if __name__ == "__main__":
    main()
