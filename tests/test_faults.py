"""LLM endpoint faults never lose the rules' result (issue 15, item 4).

Each case starts a local server on 127.0.0.1 (giar.testing.server) that misbehaves in one way, runs a whole
document with the LLM fallback on, and checks, within a time bound, that the report holds exactly the rules'
tables and a finding that says what went wrong. The bounds are the configured budget (max_elapsed) plus a
little: an httpx timeout is per read, so only a whole-request bound stops a server that drips its answer.
"""

from __future__ import annotations

import socket
import time

import pytest

from conftest import FIXTURES
from giar import extract
from giar.repair import LLMConfig
from giar.template import TABLES
from giar.testing.server import ChatServer, Reply, answer, failure

DOC = FIXTURES / "regressions" / "b3_spaces_review_blank.txt"  # the rules leave section 四 to a model
BUDGET = 2.0
SLACK = 1.5


def _config(url: str, **overrides) -> LLMConfig:
    settings = dict(
        base_url=url, model="fault", cache_path=None, timeout=1.0, max_elapsed=BUDGET, max_retries=2,
        validation_retries=1, wait_initial=0.05, wait_max=0.2, wait_jitter=0.01,
    )
    settings.update(overrides)
    return LLMConfig(**settings)


@pytest.fixture(scope="module")
def rules():
    return extract(DOC)


def _same_tables(report, rules) -> None:
    for table in TABLES:
        assert getattr(report, table) == getattr(rules, table), table


def _run(reply: Reply, rules, force: bool = False, **overrides):
    with ChatServer(lambda body: reply) as srv:
        t0 = time.monotonic()
        report = extract(DOC, llm=_config(srv.url, **overrides), force_llm=force)
        elapsed = time.monotonic() - t0
        asked = len(srv.requests)
    _same_tables(report, rules)
    said = [f.message for f in report.findings if f.kind == "llm"]
    return report, elapsed, asked, said


def test_unreachable_endpoint(rules):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    report = extract(DOC, llm=_config(f"http://127.0.0.1:{port}/v1"))
    assert time.monotonic() - t0 < BUDGET + SLACK
    _same_tables(report, rules)
    assert any("APIConnectionError" in f.message for f in report.findings if f.kind == "llm")
    assert report.usage.calls == 3  # one try and two retries, then the rules' result


def test_a_body_that_is_not_json(rules):
    html = Reply(raw=b"<html><body>502 Bad Gateway</body></html>", content_type="text/html")
    _, elapsed, asked, said = _run(html, rules)
    assert elapsed < BUDGET + SLACK and asked == 1
    assert any("no chat completion" in m for m in said), said


def test_garbage_content_is_reasked_then_given_up(rules):
    _, elapsed, asked, said = _run(answer("this is not JSON {{{"), rules)
    assert elapsed < BUDGET + SLACK and asked == 2  # one re-ask (validation_retries=1)
    assert any("still invalid after 2 attempt(s)" in m for m in said), said


def test_a_server_that_never_answers(rules):
    _, elapsed, asked, said = _run(Reply(hang=60), rules)
    assert elapsed < BUDGET + SLACK, elapsed
    assert asked >= 1 and any("time budget" in m or "timed out" in m for m in said), said


def test_a_server_that_drips_its_answer_byte_by_byte(rules):
    drip = answer({"review": {}}, prompt_tokens=10, completion_tokens=1)
    drip.drip = 0.2  # a byte every 0.2 s: every read succeeds, so no per-read timeout ever fires
    _, elapsed, _asked, said = _run(drip, rules, timeout=30.0)
    assert elapsed < BUDGET + SLACK, elapsed
    assert any("time budget" in m for m in said), said


def test_a_429_storm_stops_at_the_retries_or_the_budget(rules):
    _, elapsed, asked, said = _run(failure(429, "slow down", retry_after="0.3"), rules, max_retries=50)
    assert elapsed < BUDGET + SLACK, elapsed
    assert 2 <= asked <= 10  # retried with the server's Retry-After, until the budget ran out
    assert any("RateLimitError" in m or "time budget" in m for m in said), said


def test_one_budget_for_all_repairs_of_a_document(rules):
    """Three tables sent (forced), the server never answers: the document still ends within one budget."""
    _report, elapsed, _asked, said = _run(Reply(hang=60), rules, force=True)
    assert elapsed < BUDGET + SLACK, elapsed
    assert len([m for m in said if "time budget" in m or "timed out" in m]) == 3, said
