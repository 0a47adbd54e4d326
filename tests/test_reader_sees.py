"""Read what a reader sees (issue 11): markup that holds more, or less, than the page or document shows.

The dense fixtures tabs_2021 / tabs_2019 are rendered from their gold (tests/formats.py) with value cells written
the ways real pages and Word files write them: an old number struck through before the new one, a stale row
hidden by the page's own stylesheet, ruby annotations, footnote marks, tracked insertions and deletions, struck
and hidden runs, smart tags, fields and content controls. Each document must still give exactly the gold
(zero wrong, zero missing, every value read from the page), and each perturbed value's provenance must name the
repair its reading needed, and no other value's.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

import formats
from formats import DOCX_CELLS, HTML_CELLS, Perturbation
from giar import Report, extract
from giar.score import compare
from giar.template import TEMPLATES

HARD = Path(__file__).parent / "fixtures" / "hard"
NAMES = ("tabs_2021", "tabs_2019")
READER_REPAIRS = {r for catalog in (HTML_CELLS, DOCX_CELLS) for p in catalog.values() for r in p.repairs}


@cache
def gold_of(name: str) -> dict:
    return json.loads((HARD / f"{name}.gold.json").read_text(encoding="utf-8"))


def plan(gold: dict, catalog: dict[str, Perturbation], names: list[str]) -> tuple[dict, dict[str, set[str]]]:
    """Which cells get which perturbation (``assign``), and the repairs each affected value must carry."""
    cells, expected = {}, {}
    for name, keys in formats.assign(gold, names).items():
        perturbation = catalog[name]
        for key in keys:
            cells[key] = perturbation.render
            for affected in formats.printed_row(gold, key) if perturbation.whole_row else [key]:
                expected.setdefault(affected, set()).update(perturbation.repairs)
    return cells, expected


def html_report(gold: dict, names: list[str], **options) -> tuple[Report, dict[str, set[str]]]:
    renders, expected = plan(gold, HTML_CELLS, names)
    cells = {key: render(formats.fmt_value_of(gold, key)) for key, render in renders.items()}
    page = formats.to_html(gold, cells=cells, **options)
    return extract(page.encode("utf-8"), name="perturbed.html"), expected


def docx_report(gold: dict, names: list[str], out: Path) -> tuple[Report, dict[str, set[str]]]:
    cells, expected = plan(gold, DOCX_CELLS, names)
    return extract(formats.to_docx(gold, out / "perturbed.docx", cells=cells)), expected


def assert_reads_as_seen(report: Report, gold: dict, expected: dict[str, set[str]]) -> None:
    score = compare(report, gold)
    wrong = [(f.key, f.gold, f.got) for f in score.fields if f.status == "wrong"]
    missing = [f.key for f in score.fields if f.status == "missing"]
    assert not wrong and not missing, f"wrong {wrong}, missing {missing}"
    keys = TEMPLATES[gold["meta"]["template"]].keys()
    assert {report.provenance[k].method for k in keys} == {"rules"}, "every value read from the page"
    assert expected, "the plan perturbs some cells"
    for key in keys:
        named = set(report.provenance[key].repairs) & READER_REPAIRS
        assert named == expected.get(key, set()), (key, named)


@pytest.mark.parametrize("perturbation", list(HTML_CELLS))
@pytest.mark.parametrize("name", NAMES)
def test_html_cell(name, perturbation):
    gold = gold_of(name)
    report, expected = html_report(gold, [perturbation])
    assert report.format == "html"
    assert_reads_as_seen(report, gold, expected)


@pytest.mark.parametrize("name", NAMES)
def test_html_every_perturbation_at_once_and_hidden_rows(name):
    """All cell perturbations in one page, and before three rows a stale copy hidden by a class of the page's
    stylesheet (without it the row would be read twice, with other numbers)."""
    gold = gold_of(name)
    hidden = ["requests.new_received.total", "requests.carried_forward.other", "review_litigation.review.total"]
    report, expected = html_report(gold, list(HTML_CELLS), hidden_rows=hidden)
    assert_reads_as_seen(report, gold, expected)


@pytest.mark.parametrize("name", NAMES)
def test_html_hidden_row_alone(name):
    gold = gold_of(name)
    first_active = formats.value_keys(gold)["active_disclosure"][0]
    page = formats.to_html(gold, hidden_rows=["requests.carried_over.total", first_active])
    assert page.count(f'class="{formats.SUPERSEDED}"') == 2
    report = extract(page.encode("utf-8"), name="r.html")
    score = compare(report, gold)
    assert score.overall.wrong == 0 and score.overall.missing == 0, score.errors()


@pytest.mark.parametrize("perturbation", list(DOCX_CELLS))
@pytest.mark.parametrize("name", NAMES)
def test_docx_cell(name, perturbation, tmp_path):
    gold = gold_of(name)
    report, expected = docx_report(gold, [perturbation], tmp_path)
    assert report.format == "docx"
    assert_reads_as_seen(report, gold, expected)


@pytest.mark.parametrize("name", NAMES)
def test_docx_every_perturbation_at_once(name, tmp_path):
    gold = gold_of(name)
    report, expected = docx_report(gold, list(DOCX_CELLS), tmp_path)
    assert_reads_as_seen(report, gold, expected)
