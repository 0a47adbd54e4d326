"""A scripted OpenAI-compatible server on 127.0.0.1, for recording the repair cassettes without a model.

It answers ``POST /v1/chat/completions`` from a queue of :class:`Reply` objects, in order: a JSON answer with
a finish_reason and usage, or an error status (429, 500 …). It keeps every request body it received, so a test
can count HTTP requests and read what was sent. It knows nothing of the task: the answers are written by the
tests, so the cassettes recorded through it test giar's plumbing, not a model's accuracy.
"""

from __future__ import annotations

import json
import threading
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


class ScriptedServer:
    """``with ScriptedServer([answer(...), failure(429, ...)]) as srv:`` then point a client at ``srv.url``."""

    def __init__(self, script: list[Reply]):
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            return self.script.pop(0) if self.script else failure(500, "scripted server: script exhausted")

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
                    return self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                body = json.loads(raw or b"{}")
                reply = server._next(body)
                if reply.status >= 400:
                    error = {"message": reply.error or "error", "type": "scripted_error", "code": str(reply.status)}
                    return self._send(reply.status, {"error": error}, reply.headers)
                n = len(server.requests)
                message: dict[str, Any] = {"role": "assistant", "content": reply.content}
                if reply.tool_call:
                    name = body["tools"][0]["function"]["name"]
                    call = {"id": f"call_{n}", "type": "function", "function": {"name": name, "arguments": reply.content}}
                    message = {"role": "assistant", "content": None, "tool_calls": [call]}
                completion: dict[str, Any] = {
                    "id": f"chatcmpl-scripted-{n}",
                    "object": "chat.completion",
                    "created": 1700000000,
                    "model": body.get("model", "scripted"),
                    "choices": [
                        {
                            "index": 0,
                            "message": message,
                            "finish_reason": reply.finish_reason,
                        }
                    ],
                }
                if reply.prompt_tokens is not None:
                    completion["usage"] = {
                        "prompt_tokens": reply.prompt_tokens,
                        "completion_tokens": reply.completion_tokens or 0,
                        "total_tokens": reply.prompt_tokens + (reply.completion_tokens or 0),
                    }
                self._send(200, completion, reply.headers)

            def _send(self, status: int, payload: dict[str, Any], headers: Optional[dict[str, str]] = None) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        return Handler
