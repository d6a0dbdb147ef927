"""A FastAPI app with a WebSocket endpoint, served by uvicorn at / of its own host.

usage: python3 -m uvicorn fastapi_app:app --app-dir DIR --host 127.0.0.1 --port PORT
"""
from fastapi import FastAPI, Request, WebSocket

app = FastAPI()


@app.get("/")
def index(request: Request):
    return {"app": "fastapi", "host": request.headers.get("host")}


@app.websocket("/ws")
async def echo(websocket: WebSocket):
    await websocket.accept()
    while True:
        text = await websocket.receive_text()
        await websocket.send_text("echo: " + text)
