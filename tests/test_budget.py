"""A run's LLM budget (giar.repair.budget): a cap on tokens and on requests in flight, across processes.

Past the token cap a table stays as the rules read it, with a finding, and the run's summary says so; the
concurrency cap holds across the worker processes of ``extract_many(jobs=2)``, measured at a local server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from conftest import FIXTURES
from giar import extract, extract_many
from giar.repair import LLMConfig
from giar.repair.budget import Budget
from giar.template import TABLES
from giar.testing.server import ChatServer, Reply, answer

DOCS = [FIXTURES / "regressions" / n for n in ("b3_spaces_review_blank.txt", "b5_swapped_rows_denied78.txt")]


def _cfg(url: str, **kw) -> LLMConfig:
    return LLMConfig(base_url=url, model="m", cache_path=None, max_retries=0, validation_retries=0, max_elapsed=10, **kw)


def test_past_the_token_cap_tables_stay_as_the_rules_read_them():
    budget = Budget.create(tokens=6000)  # the first repair fits (estimate ~2-3k), what it spent leaves no room
    with ChatServer(lambda body: answer("{}", prompt_tokens=5000, completion_tokens=10)) as srv:
        cfg = budget.attach(_cfg(srv.url))
        reports = [extract(d, llm=cfg) for d in DOCS]
        asked = len(srv.requests)
    spent = budget.summary()
    assert asked == 1 and spent.repairs == 1 and spent.refused == 1
    assert spent.tokens == 5010 <= 6000 and spent.calls == 1
    refused = reports[1]
    assert any("LLM budget (6000 tokens) is spent" in f.message for f in refused.findings)
    rules = extract(DOCS[1])
    assert all(getattr(refused, t) == getattr(rules, t) for t in TABLES)
    assert "1 table(s) left as the rules read them" in str(spent)


def test_requests_in_flight_are_capped_across_processes():
    state = {"now": 0, "most": 0, "seen": 0}
    lock = threading.Lock()
    partner = threading.Event()

    def slow(body) -> Reply:
        with lock:
            state["now"] += 1
            state["seen"] += 1
            state["most"] = max(state["most"], state["now"])
            first = state["seen"] == 1
            if state["now"] >= 2:
                partner.set()
        if first:  # hold the first request until another arrives (it cannot, under the cap) or 2 s pass
            partner.wait(2.0)
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return answer("{}", prompt_tokens=10, completion_tokens=1)

    budget = Budget.create(concurrent=1)
    with ChatServer(slow) as srv:
        cfg = budget.attach(_cfg(srv.url))
        reports = list(extract_many(DOCS * 4, jobs=2, llm=cfg, force_llm=True))  # chunks of 4 per process
        asked = len(srv.requests)
    assert len(reports) == 8 and asked >= 16
    assert state["most"] == 1  # never two at once, though two processes asked
    assert budget.summary().calls == asked


def test_the_cli_prints_the_budget_in_its_summary(tmp_path):
    env = {**os.environ, "GIAR_LLM_BASE_URL": "http://127.0.0.1:9/v1", "GIAR_LLM_MODEL": "m",
           "GIAR_LLM_BUDGET_TOKENS": "10", "GIAR_LLM_CACHE": "off"}
    run = subprocess.run(
        [sys.executable, "-m", "giar.cli", "extract", "--llm", *map(str, DOCS), "-o", str(tmp_path / "out.jsonl")],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "giar: LLM: 0 repair(s), 0 call(s), 0 of 10 tokens; 2 table(s) left as the rules read them" in run.stderr
