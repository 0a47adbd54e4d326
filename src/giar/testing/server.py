"""A local OpenAI-compatible endpoint on 127.0.0.1, for measuring and testing the LLM fallback without a model.

:class:`ChatServer` listens on an ephemeral port of the loopback address only, answers ``POST
/v1/chat/completions`` with whatever its ``reply`` function returns for the request body, and stops when its
``with`` block ends (or after ``max_requests``). A :class:`Reply` is a JSON answer with usage, a tool call, an
error status, or a fault: a body that is not JSON, a server that never answers or drips its answer a byte at a
time, a connection closed without an answer. The requests are real (the openai SDK through instructor, as giar
sends them); the answers are whatever the test or the bench's simulated model (``giar.testing.simulate``) says.
Nothing here is a model, and nothing measured through it is a model's accuracy.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional


@dataclass
class Reply:
    status: int = 200
    content: Optional[str] = None  # the assistant message (for status 200)
    finish_reason: str = "stop"
    prompt_tokens: Optional[int] = None  # None: no usage block in the answer
    completion_tokens: Optional[int] = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""  # message of an error body (status >= 400)
    tool_call: bool = False  # answer as a call of the request's first tool (instructor TOOLS mode)
    raw: Optional[bytes] = None  # send this body as it is (a proxy's HTML page, garbage), not a completion
    content_type: str = "application/json"
    hang: float = 0.0  # seconds to wait before answering (a server that does not answer)
    drip: float = 0.0  # seconds between the body's bytes (a server that answers a byte at a time)
    close: bool = False  # close the connection without answering


def answer(
    content: Any,
    finish_reason: str = "stop",
    prompt_tokens: int = 1000,
    completion_tokens: int = 100,
    tool_call: bool = False,
) -> Reply:
    """A completion whose message is ``content`` (a dict is sent as JSON text), or a tool call carrying it."""
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    return Reply(
        content=text,
        finish_reason=finish_reason,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        tool_call=tool_call,
    )


def failure(status: int, message: str, **headers: str) -> Reply:
    return Reply(status=status, error=message, headers={k.replace("_", "-"): v for k, v in headers.items()})


def completion(body: dict[str, Any], reply: Reply, n: int) -> dict[str, Any]:
    """The chat.completion object for one reply."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_call:
        name = body["tools"][0]["function"]["name"]
        call = {"id": f"call_{n}", "type": "function", "function": {"name": name, "arguments": reply.content}}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
    out: dict[str, Any] = {
        "id": f"chatcmpl-local-{n}",
        "object": "chat.completion",
        "created": 1700000000,
        "model": body.get("model", "local"),
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
    }
    if reply.prompt_tokens is not None:
        out["usage"] = {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens or 0,
            "total_tokens": reply.prompt_tokens + (reply.completion_tokens or 0),
        }
    return out


class ChatServer:
    """``with ChatServer(lambda body: answer({...})) as srv:`` then point a client at ``srv.url``."""

    def __init__(self, reply: Callable[[dict[str, Any]], Reply], max_requests: int = 100_000):
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        self.max_requests = max_requests
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()  # hanging and dripping handlers end at once
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _next(self, body: dict[str, Any]) -> tuple[Reply, int]:
        with self._lock:
            self.requests.append(body)
            n = len(self.requests)
        if n > self.max_requests:
            return failure(503, "local server: request limit reached"), n
        return self.reply(body), n

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(404, json.dumps({"error": {"message": f"no route {self.path}"}}).encode())
                body = json.loads(raw or b"{}")
                reply, n = server._next(body)
                if reply.hang and server._stop.wait(reply.hang):
                    return
                if reply.close:
                    self.close_connection = True
                    return
                if reply.raw is not None:
                    return self._send(reply.status, reply.raw, reply.headers, reply.content_type, reply.drip)
                if reply.status >= 400:
                    error = {"message": reply.error or "error", "type": "local_error", "code": str(reply.status)}
                    data = json.dumps({"error": error}).encode()
                    return self._send(reply.status, data, reply.headers)
                data = json.dumps(completion(body, reply, n), ensure_ascii=False).encode("utf-8")
                self._send(200, data, reply.headers, drip=reply.drip)

            def _send(
                self,
                status: int,
                data: bytes,
                headers: Optional[dict[str, str]] = None,
                content_type: str = "application/json",
                drip: float = 0.0,
            ) -> None:
                try:
                    self.send_response(status)
                    self.send_header("content-type", content_type)
                    self.send_header("content-length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    if not drip:
                        self.wfile.write(data)
                        return
                    for i in range(len(data)):  # bounded: the body's length, and the server's stop
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                        if server._stop.wait(drip):
                            return
                except (BrokenPipeError, ConnectionResetError):
                    return

        return Handler
