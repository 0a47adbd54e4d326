"""A scripted OpenAI-compatible server on 127.0.0.1, for recording the repair cassettes without a model.

It answers ``POST /v1/chat/completions`` from a queue of :class:`Reply` objects, in order: a JSON answer with
a finish_reason and usage, an error status (429, 500 …) or a fault (``giar.testing.server``). It keeps every
request body it received, so a test can count HTTP requests and read what was sent. It knows nothing of the
task: the answers are written by the tests, so the cassettes recorded through it test giar's plumbing, not a
model's accuracy.
"""

from __future__ import annotations

import threading
from typing import Any

from giar.testing.server import ChatServer, Reply, answer, failure

__all__ = ["Reply", "ScriptedServer", "answer", "failure"]


class ScriptedServer(ChatServer):
    """``with ScriptedServer([answer(...), failure(429, ...)]) as srv:`` then point a client at ``srv.url``."""

    def __init__(self, script: list[Reply], repeat_last: bool = False):
        self.script = list(script)
        self._pop = threading.Lock()
        self.repeat_last = repeat_last
        super().__init__(self._scripted)

    def _scripted(self, body: dict[str, Any]) -> Reply:
        with self._pop:
            if len(self.script) > 1 or (self.script and not self.repeat_last):
                return self.script.pop(0)
            return self.script[0] if self.script else failure(500, "scripted server: script exhausted")
