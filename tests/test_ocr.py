"""Scanned reports (issue 17): OCR into the same grid, with the arithmetic as the guard.

Scans are made from the fixtures (tests/scans.py: printed by Chromium, rasterised at 150 dpi, degraded with a
fixed seed: clean, skewed with speckle, sealed on grey paper) and scored against the fixtures' gold: at least 97%
of fields correct and none wrong. The gate is tested on its own with confidences set by hand on a text fixture.

These tests need the OCR extra (``pip install giar[ocr]``) and Chromium with a CJK font; without them they are
skipped, unless ``GIAR_REQUIRE_PDF_TOOLS=1`` (CI), where a missing tool fails them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import formats
from giar import extract
from giar.errors import NeedsOCR
from giar.model import Document, TextRun
from giar.pipeline import run
from giar.read import read
from giar.read.ocr import OcrSettings, available
from giar.score import compare
from giar.status import FindingKind, RowStatus

HARD = Path(__file__).parent / "fixtures" / "hard"
REQUIRE = os.environ.get("GIAR_REQUIRE_PDF_TOOLS") == "1"


def _need_tools() -> None:
    reason = None
    if not available():
        reason = "the OCR extra is not installed (pip install giar[ocr])"
    elif formats.find_chromium() is None or not formats.has_cjk_font():
        reason = "chromium with a CJK font is not installed (apt-get install -y chromium fonts-wqy-zenhei)"
    if reason:
        if REQUIRE:
            pytest.fail(f"GIAR_REQUIRE_PDF_TOOLS=1 but {reason}")
        pytest.skip(reason)


def gold(name: str) -> dict:
    return json.loads((HARD / f"{name}.gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def scan_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("scans")


_made: dict[tuple[str, str, str], Path] = {}


def scan(folder: Path, name: str, how: str, fmt: str = "pdf") -> Path:
    """A scan of fixture ``name`` degraded ``how`` (made once per session)."""
    _need_tools()
    import scans

    key = (name, how, fmt)
    if key not in _made:
        out = folder / how / fmt
        out.mkdir(parents=True, exist_ok=True)
        _made[key] = scans.make_scan(HARD / f"{name}.gold.json", how, out, fmt)
    return _made[key]


def assert_precise(report, name: str, floor: float = 0.97) -> None:
    score = compare(report, gold(name))
    wrong = [(f.key, f.gold, f.got) for f in score.fields if f.status == "wrong"]
    correct = sum(1 for f in score.fields if f.status == "correct")
    assert not wrong, f"wrong values read from the scan: {wrong}"
    assert correct >= floor * len(score.fields), f"{correct} of {len(score.fields)} fields correct"


# --- scans of the fixtures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "how"),
    [("tabs_2021", "clean"), ("tabs_2021", "skewed"), ("tabs_2021", "sealed"), ("tabs_2019", "clean")],
)
def test_scan_reads_precisely(scan_dir, name, how):
    path = scan(scan_dir, name, how)
    assert not read_text_layer(path), "the scan has no text layer"
    report = extract(path)
    assert report.format == "ocr"
    assert report.meta.template == gold(name)["meta"]["template"]
    assert report.meta.year == gold(name)["meta"]["year"]
    assert_precise(report, name)
    # every value read from the page says so: page, box, reader and the recogniser's confidence
    read_here = [p for p in report.provenance.values() if p.method == "rules"]
    assert read_here
    for p in read_here:
        assert p.reader == "ocr" and p.page in (1, 2, 3) and p.bbox is not None
        assert p.confidence is not None and p.confidence >= OcrSettings().min_confidence
    assert any(f.kind == FindingKind.OCR for f in report.findings)
    if how == "skewed":  # turned level, and said so
        assert any(f.kind == FindingKind.OCR and f.stage == "read" and "askew" in f.message for f in report.findings)


def read_text_layer(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def test_png_image_reads(scan_dir):
    """An image file (the report's first page as a PNG) is read by OCR, not refused."""
    path = scan(scan_dir, "tabs_2021", "clean", "png")
    doc = read(path)
    assert doc.format == "ocr"
    g = gold("tabs_2021")
    assert g["meta"]["title"] in doc.text.replace("\n", "")
    assert all(r.confidence is not None and r.page == 1 for r in doc.runs)
    report = extract(path)
    assert report.meta.year == g["meta"]["year"]
    assert_precise_part(report, "tabs_2021")


def assert_precise_part(report, name: str) -> None:
    """What a partial document (one page of several) gives is right where it gives anything."""
    score = compare(report, gold(name))
    wrong = [(f.key, f.gold, f.got) for f in score.fields if f.status == "wrong"]
    assert not wrong
    assert sum(1 for f in score.fields if f.status == "correct") >= 40  # table 二 and the head of table 三


def test_mixed_pdf_ocrs_only_the_scanned_page(scan_dir, tmp_path):
    """Page 1 from the text layer, page 2 a scan: only page 2 is OCR'd, and the whole report reads."""
    import pypdfium2 as pdfium

    import scans

    scanned = scan(scan_dir, "tabs_2021", "clean")
    printed = scans.printed_pdf(gold("tabs_2021"), tmp_path, "tabs_2021")
    mixed = pdfium.PdfDocument.new()
    text_pdf, image_pdf = pdfium.PdfDocument(str(printed)), pdfium.PdfDocument(str(scanned))
    assert len(text_pdf) == len(image_pdf) == 2
    mixed.import_pages(text_pdf, [0])
    mixed.import_pages(image_pdf, [1])
    out = tmp_path / "mixed.pdf"
    mixed.save(str(out))
    for pdf in (mixed, text_pdf, image_pdf):
        pdf.close()

    doc = read(out)
    assert doc.format == "pdf"
    assert {r.page for r in doc.runs if r.confidence is not None} == {2}
    assert {r.page for r in doc.runs if r.confidence is None} == {1}
    report = extract(out)
    assert_precise(report, "tabs_2021")
    readers = {p.page: p.reader for p in report.provenance.values() if p.method == "rules"}
    assert readers.get(2) == "ocr" and readers.get(1) is None


def test_without_the_extra_a_scan_needs_ocr(scan_dir, monkeypatch):
    path = scan(scan_dir, "tabs_2021", "clean")
    png = scan(scan_dir, "tabs_2021", "clean", "png")
    import giar.read.ocr

    monkeypatch.setattr(giar.read.ocr, "available", lambda: False)
    for p in (path, png):
        with pytest.raises(NeedsOCR, match=re.escape("giar[ocr]")):
            extract(p)


def test_batch_reads_scans_in_workers(scan_dir, tmp_path):
    from giar.batch import Failure, extract_many

    path = scan(scan_dir, "tabs_2021", "skewed")
    text = HARD / "tabs_2019.txt"
    results = list(extract_many([path, text], jobs=2))
    assert not [r for r in results if isinstance(r, Failure)], results
    by_format = {r.format: r for r in results}
    assert set(by_format) == {"ocr", "text"}
    assert_precise(by_format["ocr"], "tabs_2021")


# --- the gate, with confidences set by hand ------------------------------------------------------------------


def ocr_document(name: str, low: tuple[str, ...] = (), edit: tuple[str, str] | None = None) -> tuple[Document, dict]:
    """The text fixture as if OCR had read it: a run of confidence 0.99 over every word, 0.5 over the numbers
    of the keys ``low``; ``edit`` replaces one line's text first (a misread)."""
    text = (HARD / f"{name}.txt").read_text(encoding="utf-8")
    if edit:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1], 1)
    plain = run(Document(source=name, format="text", text=text)).report
    assert plain is not None
    spans = {plain.provenance[k].span[0] for k in low}  # type: ignore[index]
    runs = [
        TextRun(start=m.start(), end=m.end(), page=1, bbox=(0, 0, 1, 1), confidence=0.5 if m.start() in spans else 0.99)
        for m in re.finditer(r"\S+", text)
    ]
    return Document(source=name, format="ocr", text=text, runs=runs), plain.model_dump()


def test_an_unsure_number_is_null_with_a_finding():
    key = "requests.granted.natural_person"
    doc, _ = ocr_document("tabs_2021", low=(key,))
    t = run(doc)
    report = t.report
    assert report is not None
    assert report.value(key) is None or report.provenance[key].method == "inferred"
    assert [f for f in report.findings if f.kind == FindingKind.OCR and f.key == key]
    # the others keep their values, with the reader and confidence
    other = report.provenance["requests.granted.commercial"]
    assert other.reader == "ocr" and other.confidence == 0.99
    assert report.value("requests.granted.commercial") == gold("tabs_2021")["requests"]["granted"]["commercial"]


def test_a_row_that_breaks_its_rule_is_nulled():
    """A misread (30 read as 38) breaks the row's total: from OCR the row is left null, where a text layer keeps
    the printed numbers with an arithmetic finding."""
    g = gold("tabs_2021")["requests"]["granted"]
    line = next(ln for ln in (HARD / "tabs_2021.txt").read_text(encoding="utf-8").splitlines()
                if ln.split("\t")[-1] == str(g["total"]) and f"\t{g['natural_person']}\t" in ln)
    misread = line.replace(f"\t{g['natural_person']}\t", f"\t{g['natural_person'] + 8}\t", 1)
    doc, plain = ocr_document("tabs_2021", edit=(line, misread))
    assert plain["requests"]["granted"]["natural_person"] == g["natural_person"] + 8  # the text layer keeps it
    report = run(doc).report
    assert report is not None
    assert all(v is None for v in report.requests["granted"].values()), report.requests["granted"]
    found = [f for f in report.findings if f.kind == FindingKind.OCR and f.key == "requests.granted"]
    assert found and found[0].rule == "rule2:granted"
    # 3 and 8 are confusable digits: the row is doubtful, so the arithmetic does not fill it back either
    assert "0/6/8" in found[0].message and RowStatus.OCR_DOUBTFUL.frozen
    assert not [f for f in report.findings if f.kind == FindingKind.ARITHMETIC and f.key == "requests.granted"]


def test_a_text_layer_is_not_gated():
    """Without confidences (a text layer) nothing is nulled by the gate."""
    text = (HARD / "tabs_2021.txt").read_text(encoding="utf-8")
    report = run(Document(source="t", format="text", text=text)).report
    assert report is not None
    assert not [f for f in report.findings if f.kind == FindingKind.OCR]
    assert all(p.reader is None and p.confidence is None for p in report.provenance.values())
