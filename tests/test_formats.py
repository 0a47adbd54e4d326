"""One report, four formats, identical tables (issue 6).

The dense hard-case fixtures tabs_2021 / tabs_2019 (every value non-zero and distinct within its row, so any row
or column shift changes the result) are rendered from their gold into HTML, DOCX (python-docx, real merged
cells) and PDF (the HTML printed by headless Chromium) with the template's real merged headers and rowspan
group labels (tests/formats.py). Each must give the same three tables as the tab-separated text fixture, and
the gold: zero wrong, zero missing, every value read from the page (no inference).

The PDF case needs Chromium and a CJK font (``apt-get install -y chromium fonts-wqy-zenhei``). Without them it
is skipped, unless ``GIAR_REQUIRE_PDF_TOOLS=1`` (CI), where a missing tool fails the test.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Optional

import docx
import lxml.html
import pdfplumber
import pytest

import formats
from giar import Report, extract, trace
from giar.score import compare
from giar.template import TABLES, TEMPLATES

HARD = Path(__file__).parent / "fixtures" / "hard"
NAMES = ("tabs_2021", "tabs_2019")
FORMATS = ("html", "docx", "pdf")
REQUIRE_PDF_TOOLS = os.environ.get("GIAR_REQUIRE_PDF_TOOLS") == "1"


def gold_of(name: str) -> dict:
    return json.loads((HARD / f"{name}.gold.json").read_text(encoding="utf-8"))


@cache
def text_report(name: str) -> Report:
    return extract(HARD / f"{name}.txt")


def tables_of(report: Report) -> dict:
    return {t: report.model_dump(mode="json")[t] for t in TABLES}


def need_chromium(font: Optional[str] = None) -> None:
    reason = None
    if formats.find_chromium() is None:
        reason = "chromium not installed (apt-get install -y chromium fonts-wqy-zenhei): PDF case not run"
    elif not formats.has_cjk_font():
        reason = "no CJK font for chromium (apt-get install -y fonts-wqy-zenhei): PDF case not run"
    elif font and not formats.has_cjk_font(font):
        reason = f"font {font!r} not installed (apt-get install -y fonts-noto-cjk): PDF case not run"
    if reason:
        if REQUIRE_PDF_TOOLS:
            pytest.fail(f"GIAR_REQUIRE_PDF_TOOLS=1 but {reason}")
        pytest.skip(reason)


def build(name: str, fmt: str, out: Path) -> Path:
    """The report ``name`` as a document of format ``fmt`` in directory ``out``."""
    gold = gold_of(name)
    html_path = out / f"{name}.html"
    html_path.write_text(formats.to_html(gold), encoding="utf-8")
    if fmt == "html":
        return html_path
    if fmt == "docx":
        return formats.to_docx(gold, out / f"{name}.docx")
    need_chromium()
    return formats.to_pdf(html_path, out / f"{name}.pdf")


# --- the text form is the reference -------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_text_fixture_matches_gold(name):
    score = compare(text_report(name), gold_of(name))
    assert score.fully_correct, [(f.key, f.gold, f.got) for f in score.errors()]


# --- every format gives the same tables ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", NAMES)
def test_same_tables_in_every_format(name, fmt, tmp_path):
    path = build(name, fmt, tmp_path)
    report = extract(path)
    assert report.format == fmt
    gold = gold_of(name)
    assert report.meta.template == gold["meta"]["template"]

    score = compare(report, gold)
    wrong = [(f.key, f.gold, f.got) for f in score.fields if f.status == "wrong"]
    missing = [f.key for f in score.fields if f.status == "missing"]
    assert not wrong, f"{fmt}: wrong values {wrong}"
    assert not missing, f"{fmt}: missing values {missing}"

    reference = tables_of(text_report(name))
    got = tables_of(report)
    for table in TABLES:
        assert got[table] == reference[table], f"{fmt}: table {table} differs from the text fixture's"

    # read from the page, not filled in by arithmetic; spans point at the printed number
    keys = TEMPLATES[gold["meta"]["template"]].keys()
    assert {report.provenance[k].method for k in keys} == {"rules"}
    doc_text = _reader_text(path)
    for k in keys:
        p = report.provenance[k]
        assert p.span is not None and doc_text[p.span[0] : p.span[1]] == p.text, k
    assert not [f for f in report.findings if f.kind in ("arithmetic", "missing", "unmatched", "ambiguous")]
    if fmt == "pdf":
        assert all(report.provenance[k].page is not None for k in keys), "PDF provenance carries pages"


def _reader_text(path: Path) -> str:
    return trace(path).document.text


# --- the rendered documents are the realistic layout, not a flattened one ---------------------------------


def _rowspan(root, text: str) -> int:
    cells = [td for td in root.iter("td") if td.text_content() == text]
    assert len(cells) == 1, f"one cell {text!r}, found {len(cells)}"
    return int(cells[0].get("rowspan", "1"))


@pytest.mark.parametrize("name", NAMES)
def test_html_has_template_spans(name):
    gold = gold_of(name)
    root = lxml.html.document_fromstring(formats.to_html(gold))
    assert root.xpath("//meta[@charset='utf-8']")
    assert len(root.xpath("//table")) == 3
    spans = {
        "三、本年度办理结果": 22 if name == "tabs_2021" else 20,
        "（三）不予公开": 8,
        "（四）无法提供": 3,
        "（五）不予处理": 5,
        "自然人": 2,
        "总计": 2,  # 三's header; 四's 总计 cells are checked below
    }
    if name == "tabs_2021":
        spans["（六）其他处理"] = 3
    requests_table = root.xpath("//table")[1]
    for text, n in spans.items():
        assert _rowspan(requests_table, text) == n, text
    colspans = {td.text_content(): td.get("colspan") for td in root.iter("td") if td.get("colspan")}
    assert colspans["申请人情况"] == "7" and colspans["法人或其他组织"] == "5"
    assert colspans["行政复议"] == "5" and colspans["行政诉讼"] == "10"
    assert colspans["未经复议直接起诉"] == "5" and colspans["复议后起诉"] == "5"
    review_rows = root.xpath("//table")[2].xpath(".//tr")
    assert [len(tr.xpath("td")) for tr in review_rows] == [2, 7, 10, 15]
    if name == "tabs_2019":
        assert "+3" in formats.to_html(gold) and "-2" in formats.to_html(gold)


@pytest.mark.parametrize("name", NAMES)
def test_docx_cells_really_merged(name, tmp_path):
    gold = gold_of(name)
    document = docx.Document(str(formats.to_docx(gold, tmp_path / "r.docx")))
    layouts = formats.tables(gold)
    assert len(document.tables) == 3
    merged = 0
    for table, name_ in zip(document.tables, ("active_disclosure", "requests", "review_litigation")):
        placed, width = formats._grid(layouts[name_])
        assert len(table.rows) == len(layouts[name_]) and len(table.columns) == width
        for r, c, cell in placed:
            top = table.cell(r, c)._tc
            assert table.cell(r, c).text == cell.text
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    assert table.cell(r + dr, c + dc)._tc is top, (name_, r + dr, c + dc, cell.text)
            merged += cell.rowspan > 1 or cell.colspan > 1
    xml = document.element.xml
    assert "w:vMerge" in xml and "w:gridSpan" in xml and merged > 20


@pytest.mark.parametrize("name", NAMES)
def test_pdf_has_cjk_text_layer(name, tmp_path):
    """Chromium found the CJK font: the PDF's text layer holds the title and every character of the labels."""
    path = build(name, "pdf", tmp_path)
    gold = gold_of(name)
    with pdfplumber.open(path) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "(cid:" not in text and "\ufffd" not in text
    flat = re.sub(r"\s+", "", text)
    assert gold["meta"]["title"] in flat
    labels = [r.label for t in TEMPLATES[gold["meta"]["template"]].tables.values() for r in t.rows]
    missing = {ch for label in labels for ch in label if not ch.isspace()} - set(flat)
    assert not missing, f"characters missing from the PDF text layer: {sorted(missing)}"
    for label in ("第二十条第（一）项", "一、本年新收政府信息公开申请数量", "四、结转下年度继续办理"):
        assert label in flat


# --- regressions -------------------------------------------------------------------------------------------


def test_shortened_other_subrow_label_same_in_html_and_text():
    gold = gold_of("tabs_2021")
    full = TEMPLATES["2021"].tables["requests"].row("other_unpaid_fee").label
    short = full.split("、")[0]  # the label without its trailing clause
    text = (HARD / "tabs_2021.txt").read_text(encoding="utf-8").replace(full, short)
    page = formats.to_html(gold).replace(f">{full}<", f">{short}<")
    want = gold["requests"]["other_unpaid_fee"]
    # in HTML every （六） sub-row repeats the rowspan group label: it must not be taken for the 2019 single row
    assert extract(text).requests["other_unpaid_fee"] == want
    assert extract(page.encode("utf-8"), name="r.html").requests["other_unpaid_fee"] == want


def test_pdf_rows_cut_by_a_page_break_still_give_the_gold(tmp_path):
    """Printed on A5 with rows allowed to break across pages (Word's default), a （六） row is cut in two;
    the tail arrives as a label-only row with blank cells. The tables must still equal the gold."""
    need_chromium()
    gold = gold_of("tabs_2021")
    html = tmp_path / "a5.html"
    html.write_text(formats.to_html(gold, extra_css="@page { size: A5; } tr { break-inside: auto; }"), encoding="utf-8")
    report = extract(formats.to_pdf(html, tmp_path / "a5.pdf"))
    score = compare(report, gold)
    assert score.overall.wrong == 0 and score.overall.missing == 0, score.errors()


# --- characters from PDF producers (issue 10) ----------------------------------------------------------------

NOTO_SC = "Noto Sans CJK SC"
RADICALS = re.compile("[\u2e80-\u2ef3\u2f00-\u2fd5]")


@pytest.mark.parametrize("name", NAMES)
def test_pdf_with_radicals_in_its_text_layer_reads_like_its_html(name, tmp_path):
    """Chromium printing a page in Noto Sans CJK writes Kangxi radicals and CJK Radicals Supplement code points
    into the text layer (⼀、本年新收, ⼈⺠政府: the font draws 一 and ⼀ with one glyph). giar reads the PDF as the
    HTML: same tables, same organization, and no radical left in its text."""
    need_chromium(NOTO_SC)
    gold = gold_of(name)
    html = tmp_path / f"{name}.html"
    html.write_text(formats.to_html(gold, font_family=NOTO_SC), encoding="utf-8")
    pdf = formats.to_pdf(html, tmp_path / f"{name}.pdf")

    radicals = {c for c in formats.pdf_unicode_targets(pdf) if RADICALS.match(c)}
    # the mapping matters: the title's organization and the labels really are printed with radicals
    assert {"\u2f08", "\u2ea0"} <= radicals, f"⼈ and ⺠ expected in the PDF's text layer, found {sorted(radicals)}"
    assert len(radicals) >= 10

    from_html, from_pdf = extract(html), extract(pdf)
    assert from_pdf.format == "pdf"
    assert from_pdf.meta.organization == from_html.meta.organization == gold["meta"]["organization"]
    assert from_pdf.meta.title == from_html.meta.title
    assert tables_of(from_pdf) == tables_of(from_html)
    score = compare(from_pdf, gold)
    assert score.overall.wrong == 0 and score.overall.missing == 0, score.errors()
    assert not RADICALS.search(trace(pdf).document.text)
