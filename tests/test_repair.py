"""The LLM fallback (giar.repair) against recorded HTTP: no network, no model.

The cassettes in cassettes/ were recorded through the real openai SDK and instructor against
tests/llm_server.py, a local server that answers from a script written here; they test the plumbing (schema,
validation re-asks, transport retries, truncation, arithmetic rejection, usage, cache), not a model's accuracy.

Replay (default): ``.venv/bin/python -m pytest tests/test_repair.py``
Re-record against the scripted server: ``GIAR_RECORD=1 .venv/bin/python -m pytest tests/test_repair.py``
Record one repair against a live endpoint (plumbing only, the answer is the model's):
``GIAR_RECORD=live GIAR_LLM_BASE_URL=… GIAR_LLM_MODEL=… .venv/bin/python -m pytest tests/test_repair.py -k live``
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml
from pydantic import ValidationError

from giar.model import RepairRequest, Token
from giar.repair import PROMPT_NAME, PROMPT_VERSION, LLMConfig, RepairCache, prompts, repair_table
from giar.repair.cache import cache_key
from giar.repair.schema import answer_model, schema_of
from giar.sections import locate
from giar.template import TEMPLATES
from llm_server import Reply, ScriptedServer, answer, failure

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "fixtures" / "seeds"
CASSETTES = ROOT / "cassettes"
RECORD = os.environ.get("GIAR_RECORD", "")
from giar.testing.replay import MODEL, REPLAY_URL, recorder  # noqa: E402  (shared with giar bench)

# --- requests from the real seed text ------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def region_request(seed: str, table: str = "requests") -> tuple[RepairRequest, str]:
    """A RepairRequest for one seed table: its region (giar.sections) and every cell that is just a number.

    The regex tokenizer is a stand-in for the pipeline's own tokens.
    """
    text = (SEEDS / f"{seed}.txt").read_text(encoding="utf-8")
    gold = json.loads((SEEDS / f"{seed}.gold.json").read_text(encoding="utf-8"))
    region = next(r for r in locate(text) if r.name == table)
    body = text[region.start : region.end]
    tokens = []
    for cell in re.finditer(r"[^\t\n]+", body):
        stripped = cell.group().strip()
        if not _NUMBER.fullmatch(stripped):
            continue
        start = region.start + cell.start() + cell.group().index(stripped)
        value = float(stripped) if "." in stripped else int(stripped)
        tokens.append(Token(id=len(tokens) + 1, text=stripped, value=value, span=(start, start + len(stripped))))
    request = RepairRequest(
        table=table,
        template=gold["meta"]["template"],
        region_text=body,
        region_start=region.start,
        tokens=tokens,
        reasons=["rule3:total: a test asks for a repair"],
    )
    return request, text


def in_order(request: RepairRequest, rows: Optional[int] = None) -> dict[str, dict[str, Optional[int]]]:
    """The answer a careful reader gives for a table printed one row per line: tokens in order, row by row."""
    ids = iter(t.id for t in request.tokens)
    spec = TEMPLATES[request.template].tables[request.table]
    out: dict[str, dict[str, Optional[int]]] = {}
    for i, row in enumerate(spec.rows):
        filled = rows is None or i < rows
        out[row.key] = {c.key: (next(ids) if filled else None) for c in row.columns}
    return out


# --- cassettes -----------------------------------------------------------------------------------------


def config(base_url: str, cache_path: Optional[Path] = None, **overrides: Any) -> LLMConfig:
    fast = dict(wait_initial=0.01, wait_max=0.05, wait_jitter=0.01, max_elapsed=20.0, timeout=20.0)
    fast.update(overrides)
    cache = str(cache_path) if cache_path else None
    return LLMConfig(base_url=base_url, model=MODEL, api_key="sk-test-never-recorded", cache_path=cache, **fast)


@dataclass
class Run:
    cfg: LLMConfig
    requests: Callable[[], int]  # HTTP requests made so far (server count, or cassette plays)
    sent: Callable[[], list[dict]]  # their JSON bodies


@contextmanager
def scripted(name: str, script: list[Reply], cache_path: Optional[Path] = None, **overrides: Any) -> Iterator[Run]:
    """Record ``name`` against the scripted server (GIAR_RECORD=1) or replay it with no network."""
    cassette = f"{name}.yaml"
    if RECORD == "1":
        (CASSETTES / cassette).unlink(missing_ok=True)  # record mode "all" would append to the old one
        with ScriptedServer(script) as srv, recorder("all").use_cassette(cassette):
            yield Run(config(srv.url, cache_path, **overrides), lambda: len(srv.requests), lambda: srv.requests)
        return
    if not (CASSETTES / cassette).exists():
        pytest.fail(f"cassette {cassette} missing: record with GIAR_RECORD=1")
    with recorder("none").use_cassette(cassette) as cas:
        stale = (
            f"{cassette}: {{}} of {len(cas)} recorded requests replayed; the request changed (prompt, schema or "
            "flow): re-record with GIAR_RECORD=1"
        )
        try:
            yield Run(
                config(REPLAY_URL, cache_path, **overrides),
                lambda: cas.play_count,
                lambda: [json.loads(r.body) for r in cas.requests[: cas.play_count]],
            )
        except AssertionError as e:
            if not cas.all_played:
                raise AssertionError(stale.format(cas.play_count) + f"\n{e}") from e
            raise
        assert cas.all_played, stale.format(cas.play_count)


# --- the scripted scenarios ----------------------------------------------------------------------------


def test_correct_assignment_is_accepted_with_values_from_tokens():
    request, text = region_request("000")
    gold = json.loads((SEEDS / "000.gold.json").read_text(encoding="utf-8"))["requests"]
    with scripted("repair_accepted", [answer(in_order(request), prompt_tokens=1200, completion_tokens=300)]) as run:
        outcome = repair_table(request, run.cfg)
        assert run.requests() == 1
        sent = run.sent()[0]

    assert outcome.accepted, outcome.findings
    assert {k: v for k, v in outcome.values.items()} == {
        f"requests.{row}.{col}": v for row, cols in gold.items() for col, v in cols.items()
    }
    for key, prov in outcome.provenance.items():
        assert prov.method == "llm"
        assert text[prov.span[0] : prov.span[1]] == prov.text == str(outcome.values[key])
    assert outcome.findings[0].kind == "llm" and "none broken" in outcome.findings[0].message
    assert outcome.usage.calls == 1
    assert (outcome.usage.prompt_tokens, outcome.usage.completion_tokens) == (1200, 300)
    assert outcome.usage.model == MODEL and outcome.usage.cached == 0

    # What went out: temperature 0, JSON mode, no streaming, only this table's region.
    assert sent["temperature"] == 0 and sent.get("stream") in (None, False)
    assert sent["response_format"] == {"type": "json_object"}
    user = next(m["content"] for m in sent["messages"] if m["role"] == "user")
    assert "[#1:3]" in user and "new_received: 一、本年新收政府信息公开申请数量" in user
    assert "总体情况" in text[: request.region_start] and "总体情况" not in user
    assert text[: request.region_start].strip()[-20:] not in user


def test_tools_mode_reads_the_tool_call():
    request, _ = region_request("000")
    script = [answer(in_order(request), finish_reason="tool_calls", tool_call=True)]
    with scripted("repair_tools_mode", script, mode="tools") as run:
        outcome = repair_table(request, run.cfg)
        sent = run.sent()[0]

    assert outcome.accepted, outcome.findings
    assert sent["tools"][0]["function"]["name"] == sent["tool_choice"]["function"]["name"]


def test_unknown_token_id_is_rejected_and_reasked():
    request, _ = region_request("003")
    bad = in_order(request, rows=20)
    bad["granted"]["natural_person"] = 9999  # no such token
    good = in_order(request, rows=20)  # rows after the page break are lost in 003: left null
    script = [
        answer(bad, prompt_tokens=900, completion_tokens=250),
        answer(good, prompt_tokens=1100, completion_tokens=260),
    ]
    with scripted("repair_reask_unknown_token", script) as run:
        outcome = repair_table(request, run.cfg)
        assert run.requests() == 2
        reask = run.sent()[1]["messages"]

    assert outcome.accepted, outcome.findings
    assert outcome.usage.calls == 2
    assert (outcome.usage.prompt_tokens, outcome.usage.completion_tokens) == (2000, 510)
    # The re-ask carries the validation error back to the model.
    assert any("9999" in str(m.get("content")) and "not in the token list" in str(m.get("content")) for m in reask)
    assert outcome.values["requests.declined_confirmation.total"] == 0
    assert outcome.values["requests.total_processed.total"] is None  # lost at the page break, not invented
    assert "requests.total_processed.total" not in outcome.provenance


def test_reasks_are_bounded_by_validation_retries():
    request, _ = region_request("003")
    bad = in_order(request, rows=20)
    bad["granted"]["total"] = bad["granted"]["natural_person"]  # one printed number in two cells
    with scripted("repair_reask_exhausted", [answer(bad), answer(bad)], validation_retries=1) as run:
        outcome = repair_table(request, run.cfg)
        assert run.requests() == 2

    assert not outcome.accepted and outcome.values == {}
    assert "still invalid after 2 attempt(s)" in outcome.findings[0].message
    assert outcome.usage.calls == 2 and outcome.usage.prompt_tokens == 2000


def test_rate_limit_then_success_is_retried():
    request, _ = region_request("000")
    script = [
        failure(429, "rate limited", retry_after="0"),
        answer(in_order(request), prompt_tokens=1200, completion_tokens=300),
    ]
    with scripted("repair_429_then_ok", script) as run:
        outcome = repair_table(request, run.cfg)
        assert run.requests() == 2

    assert outcome.accepted, outcome.findings
    assert outcome.usage.calls == 2  # both HTTP requests; only the answer reported usage
    assert (outcome.usage.prompt_tokens, outcome.usage.completion_tokens) == (1200, 300)


def test_server_errors_stop_after_bounded_retries(tmp_path):
    request, _ = region_request("000")
    cache = RepairCache(tmp_path / "llm.sqlite")
    script = [failure(503, "overloaded"), failure(500, "boom"), answer(in_order(request))]
    with scripted("repair_5xx_exhausted", script, max_retries=1) as run:
        outcome = repair_table(request, run.cfg, cache)
        assert run.requests() == 2  # 1 try + 1 retry; the scripted answer is never asked for

    assert not outcome.accepted
    assert "InternalServerError" in outcome.findings[0].message
    assert outcome.usage.calls == 2 and outcome.usage.prompt_tokens == 0
    assert len(cache) == 0  # a transport failure is not cached


def test_truncated_answer_gives_finding_and_no_reask():
    request, _ = region_request("000")
    full = json.dumps(in_order(request), ensure_ascii=False)
    script = [answer(full[:200], finish_reason="length", prompt_tokens=1200, completion_tokens=64), answer(full)]
    with scripted("repair_truncated", script, max_tokens=64) as run:
        outcome = repair_table(request, run.cfg)
        assert run.requests() == 1  # the same prompt is not sent again

    assert not outcome.accepted and outcome.values == {}
    assert outcome.findings[0].kind == "llm" and "truncated" in outcome.findings[0].message
    assert (outcome.usage.calls, outcome.usage.completion_tokens) == (1, 64)


def test_assignment_that_breaks_arithmetic_is_rejected_whole():
    request, _ = region_request("000")
    swapped = in_order(request)
    row = swapped["new_received"]
    row["natural_person"], row["commercial"] = row["commercial"], row["natural_person"]  # 3 and 0 trade places
    with scripted("repair_arithmetic_rejected", [answer(swapped)]) as run:
        outcome = repair_table(request, run.cfg)
        assert run.requests() == 1

    assert not outcome.accepted
    assert outcome.values == {} and outcome.provenance == {}  # never half a repair
    finding = outcome.findings[0]
    assert finding.kind == "llm" and finding.stage == "llm" and "rule1:natural_person" in finding.message


def test_second_identical_call_is_served_from_cache(tmp_path):
    request, _ = region_request("000")
    with scripted("repair_cached", [answer(in_order(request))], cache_path=tmp_path / "llm.sqlite") as run:
        first = repair_table(request, run.cfg)
        assert run.requests() == 1
        second = repair_table(request, run.cfg)
        assert run.requests() == 1  # no HTTP request for the hit

    assert first.accepted and second.accepted
    assert second.values == first.values and second.provenance == first.provenance
    assert second.usage.cached == 1 and second.usage.calls == 0 and second.usage.prompt_tokens == 0
    assert first.usage.cached == 0 and first.usage.calls == 1


def test_spent_time_budget_sends_nothing():
    request, _ = region_request("000")
    outcome = repair_table(request, config(REPLAY_URL, max_elapsed=0))  # no cassette: any request would fail
    assert not outcome.accepted and "time budget" in outcome.findings[0].message
    assert outcome.usage.calls == 0


# --- live endpoint (optional) ----------------------------------------------------------------------------


def test_live_endpoint_plumbing(tmp_path):
    """Records cassettes/live_repair_000.yaml against GIAR_LLM_* when GIAR_RECORD=live; replays it if present."""
    request, text = region_request("000")
    cassette = CASSETTES / "live_repair_000.yaml"
    if RECORD == "live":
        cfg = LLMConfig.from_env()
        if cfg is None:
            pytest.skip("GIAR_LLM_BASE_URL and GIAR_LLM_MODEL are not set")
        cfg = LLMConfig(**{**cfg.__dict__, "cache_path": None})
        cassette.unlink(missing_ok=True)
        mode = "all"
    elif cassette.exists():
        cfg, mode = config(REPLAY_URL), "none"
    else:
        pytest.skip("no live cassette recorded (GIAR_RECORD=live with GIAR_LLM_* set records one)")
    with recorder(mode).use_cassette(cassette.name):
        outcome = repair_table(request, cfg)
    assert outcome.usage.calls >= 1 and outcome.findings
    for prov in outcome.provenance.values():  # whatever the model said, every value is a printed token
        assert text[prov.span[0] : prov.span[1]] == prov.text


# --- no HTTP at all ------------------------------------------------------------------------------------------


def test_every_cassette_has_a_response_body_and_no_secret():
    files = sorted(CASSETTES.glob("*.yaml"))
    assert files, "no cassettes recorded"
    for path in files:
        raw = path.read_text(encoding="utf-8")
        assert "sk-test-never-recorded" not in raw and "authorization" not in raw.lower(), path.name
        interactions = yaml.safe_load(raw)["interactions"]
        assert interactions, path.name
        for i in interactions:
            body = i["response"]["body"]["string"]
            assert body and body.strip(), f"{path.name}: empty response body"
            json.loads(body)


def test_response_model_accepts_only_offered_tokens():
    request, _ = region_request("000")
    model = answer_model(request)
    ok = in_order(request)
    model.model_validate(ok)
    with pytest.raises(ValidationError, match="not in the token list"):
        model.model_validate({**ok, "granted": {**ok["granted"], "total": 10_000}})
    with pytest.raises(ValidationError, match="used twice"):
        model.model_validate({**ok, "granted": {**ok["granted"], "total": ok["new_received"]["total"]}})
    with pytest.raises(ValidationError):  # a column the row does not have
        model.model_validate({**ok, "granted": {**ok["granted"], "amount_wan": None}})
    fewer = request.model_copy(update={"tokens": request.tokens[:5]})
    assert schema_of(answer_model(fewer)) == schema_of(model)  # the offered ids are checked, not in the schema


def test_active_disclosure_rows_have_their_own_columns():
    request, _ = region_request("000", table="active_disclosure")
    model = answer_model(request)
    fields = model.model_fields
    assert list(fields) == [r.key for r in TEMPLATES["2019"].tables["active_disclosure"].rows]
    procurement = fields["centralized_procurement"].annotation
    assert list(procurement.model_fields) == ["projects", "amount_wan"]


def test_cache_key_changes_with_prompt_version_and_tokens():
    request, _ = region_request("000")
    cfg = config(REPLAY_URL)
    prompt = prompts.load(PROMPT_NAME, PROMPT_VERSION)
    schema = schema_of(answer_model(request))
    key = cache_key(cfg, prompt, schema, request)
    assert key == cache_key(cfg, prompt, schema, request)
    bumped = prompts.Prompt(prompt.name, prompt.version + 1, prompt.parts)
    assert cache_key(cfg, bumped, schema, request) != key
    fewer = request.model_copy(update={"tokens": request.tokens[:-1]})
    assert cache_key(cfg, prompt, schema, fewer) != key
    other_model = LLMConfig(**{**cfg.__dict__, "model": "another"})
    assert cache_key(other_model, prompt, schema, request) != key
    other_server = LLMConfig(**{**cfg.__dict__, "base_url": "http://127.0.0.1:9/v1"})  # same model name elsewhere
    assert cache_key(other_server, prompt, schema, request) != key
    fewer_rows = request.model_copy(update={"rows": ["granted"]})
    assert cache_key(cfg, prompt, schema, fewer_rows) != key
    source_broken = request.model_copy(update={"broken": ["rule2:granted"]})  # decides acceptance
    assert cache_key(cfg, prompt, schema, source_broken) != key


def test_prompt_is_a_versioned_file_rendered_from_the_template():
    prompt = prompts.load(PROMPT_NAME)
    assert (prompt.name, prompt.version) == ("repair_table", PROMPT_VERSION)
    request, _ = region_request("003")
    messages = prompts.render(prompt, request)
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[1]["content"]
    for row in TEMPLATES["2019"].tables["requests"].rows:
        assert f"- {row.key}: " in user and row.label in user
    assert "{{" not in user
    assert "- new_received + carried_over = total_processed + carried_forward, in columns: natural_person, " in user
    assert f"[#{request.tokens[0].id}:{request.tokens[0].text}]" in user


def test_config_from_env():
    assert LLMConfig.from_env({}) is None
    assert LLMConfig.from_env({"GIAR_LLM_BASE_URL": "http://x/v1"}) is None  # no model: off
    cfg = LLMConfig.from_env(
        {
            "GIAR_LLM_BASE_URL": "http://x/v1",
            "GIAR_LLM_MODEL": "m",
            "OPENAI_API_KEY": "sk-fallback",
            "GIAR_LLM_TIMEOUT": "12.5",
            "GIAR_LLM_MAX_RETRIES": "0",
            "GIAR_LLM_CACHE": "off",
        }
    )
    assert cfg is not None
    assert (cfg.api_key, cfg.timeout, cfg.max_retries, cfg.cache_path) == ("sk-fallback", 12.5, 0, None)
    assert "sk-fallback" not in repr(cfg)
    both = LLMConfig.from_env(
        {"GIAR_LLM_BASE_URL": "u", "GIAR_LLM_MODEL": "m", "GIAR_LLM_API_KEY": "a", "OPENAI_API_KEY": "b"}
    )
    assert both is not None and both.api_key == "a"
    run = LLMConfig.from_env(
        {"GIAR_LLM_BASE_URL": "u", "GIAR_LLM_MODEL": "m", "GIAR_LLM_BUDGET_TOKENS": "50000",
         "GIAR_LLM_CONCURRENCY": "2", "GIAR_LLM_AGREE_MODEL": "m2"}
    )
    assert run is not None and (run.budget_tokens, run.max_concurrent) == (50000, 2)
    assert run.agree_with is not None and (run.agree_with.model, run.agree_with.base_url) == ("m2", "u")
    with pytest.raises(ValueError, match="GIAR_LLM_TIMEOUT"):
        LLMConfig.from_env({"GIAR_LLM_BASE_URL": "u", "GIAR_LLM_MODEL": "m", "GIAR_LLM_TIMEOUT": "soon"})
