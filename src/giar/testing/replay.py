"""Recorded LLM exchanges (vcrpy cassettes): one recorder for the tests and for ``giar bench``'s replay.

Cassettes keep no secrets: every request header but content-type is dropped before recording (the
Authorization header included), the host is replaced by a fixed placeholder, and a request matches a
recording only if it carries the same rendered prompt, so a changed prompt, template or schema asks for a
re-recording instead of silently replaying a stale answer. vcrpy is a test extra: imported only here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes"
REPLAY_URL = "http://scripted-llm.invalid/v1"  # every cassette stores this host, whatever port was recorded
MODEL = "scripted-model"


def _first_user(request) -> str:
    body = json.loads(request.body or b"{}")
    return next((m["content"] for m in body.get("messages", []) if m.get("role") == "user"), "")


def same_prompt(r1, r2) -> None:
    """Requests match only if they carry the same rendered prompt: a prompt change needs a re-recording."""
    assert _first_user(r1) == _first_user(r2), "prompt differs from the recorded one: re-record the cassettes"


def _scrub_request(request):
    parts = urlsplit(request.uri)
    request.uri = urlunsplit(parts._replace(scheme="http", netloc=urlsplit(REPLAY_URL).netloc))
    for name in list(request.headers):
        if name.lower() != "content-type":  # Authorization, SDK and platform headers never reach a cassette
            del request.headers[name]
    return request


def _scrub_response(response):
    response["headers"] = {
        k: v for k, v in response["headers"].items() if k.lower() in ("content-type", "retry-after")
    }
    return response


def recorder(mode: str, library: Path = CASSETTES) -> Any:
    import vcr

    v = vcr.VCR(
        cassette_library_dir=str(library),
        serializer="yaml",
        record_mode=mode,
        match_on=["method", "host", "path", "same_prompt"],
        before_record_request=_scrub_request,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )
    v.register_matcher("same_prompt", same_prompt)
    return v


