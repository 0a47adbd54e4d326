"""Corrections that last: a person's reading applied on every later run, with the original kept; a correction
of a changed document reported, not applied; a source's own broken arithmetic never silently 'fixed'."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from giar import extract
from giar.corrections import Correction, Corrections, apply
from giar.model import Report
from giar.status import report_status

SEED4 = "seeds/004.txt"
HONGZE = "corpus/004_hongze-district-2023.pdf"


@pytest.fixture(scope="module")
def seed4(fixtures_dir) -> Report:
    return extract(fixtures_dir / SEED4)


def _one(report: Report, key: str, value, **kw) -> Corrections:
    return Corrections(corrections=[Correction(content_hash=report.content_hash, key=key, value=value, source=report.source, **kw)])


def test_correction_becomes_human_with_the_reading_kept(seed4):
    key = "active_disclosure.administrative_licensing.decisions"
    before = seed4.value(key)
    out, notes = apply(seed4, _one(seed4, key, before + 7, note="the PDF prints it"))
    assert notes == []
    assert out.value(key) == before + 7 and seed4.value(key) == before  # pure: the given report is unchanged
    prov = out.provenance[key]
    assert prov.method == "human" and prov.text == str(before + 7)
    assert prov.original is not None and prov.original.method == "rules" and prov.original.text == str(before)
    assert prov.span == prov.original.span  # still points at the cell in the source
    assert any(f.kind == "human" and f.key == key and "the PDF prints it" in f.message for f in out.findings)
    assert report_status(out) == "repaired"
    # the JSON contract still holds, with the original nested
    again = Report.model_validate(json.loads(json.dumps(out.model_dump(mode="json"))))
    assert again.provenance[key].original.method == "rules"


def test_correction_of_a_changed_document_is_reported_not_applied(seed4):
    key = "requests.new_received.total"
    stale = Corrections(
        corrections=[Correction(content_hash="0" * 64, key=key, value=99, source=seed4.source)]
    )
    out, notes = apply(seed4, stale)
    assert out.value(key) == seed4.value(key)
    assert len(notes) == 1 and "document changed" in notes[0]
    assert any(f.kind == "human" and "document changed" in f.message for f in out.findings)


def test_confirmation_keeps_the_value_and_says_so(seed4):
    key = "requests.granted.total"
    out, notes = apply(seed4, _one(seed4, key, seed4.value(key), confirmed=True))
    assert notes == [] and out.provenance[key].method == "rules"
    assert any(f.kind == "human" and "confirmed" in f.message for f in out.findings)
    _, notes = apply(seed4, _one(seed4, key, seed4.value(key) + 1, confirmed=True))
    assert notes and "confirmation not applied" in notes[0]


def test_a_value_that_cannot_stand_there_is_refused(seed4):
    for key, value in (("requests.granted.total", -1), ("requests.granted.total", 1.5), ("requests.nope.total", 1)):
        out, notes = apply(seed4, _one(seed4, key, value))
        assert notes and "not applied" in notes[0]
        assert out.value("requests.granted.total") == seed4.value("requests.granted.total")


def test_broken_source_arithmetic_stays_a_finding(fixtures_dir):
    """Corpus 004 prints 行政复议 10 1 0 0 with 总计 0. 'Correcting' the total to 11 does not make the report
    silently consistent: a finding says the rule held only after a person's correction, with both sides."""
    report = extract(fixtures_dir / HONGZE)
    assert report_status(report) == "inconsistent"
    out, _ = apply(report, _one(report, "review_litigation.review.total", 11))
    assert not any(f.kind == "arithmetic" and "rule4:review:" in f.message for f in out.findings)
    kept = [f for f in out.findings if f.kind == "human" and f.message.startswith("rule4:review holds only after")]
    assert len(kept) == 1 and "= 11" in kept[0].message and "= 0" in kept[0].message
    # the other broken group was not touched: still an arithmetic finding
    assert any(f.kind == "arithmetic" and "rule4:litigation_after_review" in f.message for f in out.findings)
    assert next(t for t in out.tables if t.table == "review_litigation").rules_broken == 1


def test_extract_applies_corrections_on_every_run(fixtures_dir, tmp_path):
    doc = tmp_path / "004.txt"
    shutil.copy(fixtures_dir / SEED4, doc)
    report = extract(doc)
    key = "requests.new_received.natural_person"
    corr = tmp_path / "c.json"
    corr.write_text(_one(report, key, 42).model_dump_json(), encoding="utf-8")
    cmd = [sys.executable, "-m", "giar.cli", "extract", str(doc), "--corrections", str(corr)]
    for _ in range(2):  # every later run, not once
        out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        assert out["requests"]["new_received"]["natural_person"] == 42
        assert out["provenance"][key]["method"] == "human"
        assert out["provenance"][key]["original"]["method"] == "rules"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n附：修订\n", encoding="utf-8")  # the document changed
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout)
    assert out["provenance"][key]["method"] == "rules"
    assert "not applied: the document changed" in proc.stderr


def test_correction_to_blank_keeps_the_reading_it_replaced(seed4):
    """'The document prints nothing here': the value is null, the reading it replaced is still in provenance."""
    key = "requests.granted.total"
    out, notes = apply(seed4, _one(seed4, key, None, note="blank in the PDF"))
    assert notes == [] and out.value(key) is None
    assert out.provenance[key].method == "human" and out.provenance[key].original.text == str(seed4.value(key))
    assert report_status(out) == "partial"
