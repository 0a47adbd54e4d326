"""Perturbed fixtures found by an adversarial review: each must give no wrong number (null is allowed).

Each file in tests/fixtures/regressions is a fixture with one perturbation (a blank cell, a lost row, a
swapped or foreign row, a second table, a stray cell …); SOURCES.json names the fixture whose hand-labeled
gold it is scored against. A perturbation may make cells unknowable, never different."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES
from giar import extract
from giar.score import compare, load_gold

SOURCES = json.loads((FIXTURES / "regressions" / "SOURCES.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_perturbation_gives_no_wrong_number(name):
    report = extract(FIXTURES / "regressions" / name)
    score = compare(report, load_gold(FIXTURES / SOURCES[name]))
    wrong = [(f.key, f.gold, f.got) for f in score.fields if f.status == "wrong" and not f.key.startswith("meta.")]
    assert not wrong
    nulls = {f.key.rsplit(".", 1)[0] for f in score.fields if f.status == "missing"}
    said = {(f.key or "") for f in report.findings}
    for row in nulls:  # every value that became null is named by a finding (its row, its cell or its table)
        assert any(k and (row.startswith(k) or k.startswith(row)) for k in said), row


CONSTRUCTED = FIXTURES / "regressions" / "constructed"
EXPECTED = json.loads((CONSTRUCTED / "EXPECTED.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_constructed_case_gives_the_value_or_null(name):
    """Documents built by a second adversarial review (footnote markers, split numbers, units in headers,
    transposed or relabelled 四, two reports in one file …): each named cell must be the value the document
    determines, or null — never another number."""
    report = extract(CONSTRUCTED / name).model_dump(mode="json")
    for key, want in EXPECTED[name].items():
        if key.startswith("meta."):
            got = report["meta"][key[5:]]
            assert got == want, key
            continue
        table, row, col = key.split(".")
        got = report[table][row][col]
        assert got is None or got == want, (key, want, got)
