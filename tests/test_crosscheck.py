"""Across reports (issue 14 item 6): ``giar check`` between the reports of a dataset, and within each report the
figures the narrative states against the tables (findings only, never a cell)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from giar import extract
from giar.crosscheck import check, load
from giar.narrative import figures
from giar.tables import to_tables

CHECK = [sys.executable, "-m", "giar.cli", "check"]


# --- within a report: the narrative --------------------------------------------------------------------------


def test_narrative_figures_that_disagree_are_findings_and_never_change_a_cell(fixtures_dir):
    text = (fixtures_dir / "hard" / "tabs_2021.txt").read_text(encoding="utf-8")
    as_printed = extract(text)
    assert not [f for f in as_printed.findings if f.kind == "narrative"]  # its prose agrees with its tables
    said = {f.readings[0][0]: f.value for f in figures(text)}
    assert said["requests.new_received.total"] == 1147 and said["requests.carried_over.total"] == 131

    told = text.replace("共收到政府信息公开申请1147件", "共收到政府信息公开申请1150件")
    told = told.replace("一、总体情况\n", "一、总体情况\n本年度制发行政规范性文件30件。\n", 1)
    report = extract(told)
    narrative = {f.key: f.message for f in report.findings if f.kind == "narrative"}
    assert set(narrative) == {"requests.new_received.total", "active_disclosure.normative_documents.issued"}
    assert "1150" in narrative["requests.new_received.total"] and "1147" in narrative["requests.new_received.total"]
    for table in ("active_disclosure", "requests", "review_litigation"):
        assert getattr(report, table) == getattr(as_printed, table)


@pytest.mark.parametrize(
    "name,figs",
    [
        ("102_pingtan-zone-2021.txt", {"requests.new_received.total": 70, "requests.total_processed.total": 69}),
        ("103_pingtan-zone-2023.txt", {"review_litigation.review.total": 2, "review_litigation.litigation_direct.total": 7}),
        ("009_shanghai-gov-office-2025.md", {"requests.new_received.total": 1295, "requests.total_processed.total": 1191}),
    ],
)
def test_figures_of_real_reports_are_read_and_agree_with_their_tables(fixtures_dir, name, figs):
    path = fixtures_dir / "corpus" / name
    found = {f.readings[0][0]: f.value for f in figures(path.read_text(encoding="utf-8"))}
    assert {k: found.get(k) for k in figs} == figs
    assert not [f for f in extract(path).findings if f.kind == "narrative" and f.key in figs]


def test_numbers_that_are_not_figures_of_the_tables_are_not_read():
    prose = (
        "上线部门22家，收到群众诉求348件，现场解决162件。"
        "依法做好相关行政复议、行政诉讼案件的应诉工作，全县共办理相关案件 74 件。"
        "2023年新收申请120件，同比增长10%。"
    )
    assert figures(prose) == []


# --- between reports: giar check -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def years(fixtures_dir):
    """The same body's 2019 and 2020 reports (2019 template) and its 2023 and 2024 ones (2021 template)."""
    a = extract(fixtures_dir / "hard" / "tabs_2019.txt")
    b = a.model_copy(deep=True)
    b.meta.year, b.content_hash, b.source = 2020, "b", "b.txt"
    b.meta.organization = "西山区人民政府"  # the title dropped the city: the same body
    c = extract(fixtures_dir / "hard" / "tabs_2021.txt")
    d = c.model_copy(deep=True)
    c.meta.year = 2023
    d.meta.year, d.content_hash, d.source = 2024, "d", "d.txt"
    return a, b, c, d


def _consistent(a, b, c, d):
    for last, this in ((a, b), (c, d)):
        for col, v in last.requests["carried_forward"].items():
            this.requests["carried_over"][col] = v
    for row, r in a.active_disclosure.items():
        if "previous_count" in r:
            b.active_disclosure[row]["previous_count"] = r["previous_count"] + r["change"]
    for row in ("regulations", "normative_documents"):
        c2, d2 = c.active_disclosure[row], d.active_disclosure[row]
        d2["in_force"] = c2["in_force"] + d2["issued"] - d2["repealed"]


def test_check_flags_each_kind_of_disagreement_and_nothing_when_they_agree(years):
    a, b, c, d = (r.model_copy(deep=True) for r in years)
    _consistent(a, b, c, d)
    tables = lambda *rs: to_tables(rs)["wide"]  # noqa: E731
    assert check(tables(a, b, c, d)) == []
    b.requests["carried_over"]["natural_person"] += 1
    b.active_disclosure["administrative_penalty"]["previous_count"] += 2
    d.active_disclosure["normative_documents"]["in_force"] -= 1
    e = c.model_copy(deep=True)  # a second document for the same body and year, with other numbers
    e.content_hash, e.source = "e", "e.txt"
    e.requests["granted"]["total"] += 5
    flags = check(tables(a, b, c, d, e))
    got = {(f.check, f.key, f.year) for f in flags}
    assert got == {
        ("carry_over", "requests.carried_over.natural_person", 2020),
        ("previous_count", "active_disclosure.administrative_penalty.previous_count", 2020),
        ("in_force", "active_disclosure.normative_documents.in_force", 2024),
        ("conflict", "requests.granted.total", 2023),
    }
    carry = next(f for f in flags if f.check == "carry_over")
    assert carry.found == carry.expected + 1 and carry.sources == [a.source, "b.txt"]
    # the same document twice (same content hash) is not a conflict
    assert not [f for f in check(tables(c, c.model_copy(deep=True))) if f.check == "conflict"]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv"])
def test_giar_check_reads_every_output_format(fixtures_dir, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    subprocess.run([sys.executable, "-m", "giar.cli", "extract", str(fixtures_dir / "corpus"), "-o", str(out), "-q"], check=True)
    wide = load(out)
    assert wide.num_rows == len([p for p in (fixtures_dir / "corpus").iterdir() if p.suffix != ".json" and p.name != "SOURCES.md"])
    proc = subprocess.run([*CHECK, str(out), "-o", str(tmp_path / "flags.csv")], capture_output=True, text=True)
    assert proc.returncode == 0 and "0 flagged" in proc.stderr  # the corpus's bodies agree across their years
    assert (tmp_path / "flags.csv").read_bytes().startswith(b"\xef\xbb\xbf")
