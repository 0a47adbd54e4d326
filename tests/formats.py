"""Render a gold report (tests/fixtures/README.md "Gold format") as a full document in HTML, DOCX or PDF.

The documents follow the national template's printed layout: section 二 as one table of sub-tables per
第二十条第（X）项 with their header rows; section 三 with its merged three-row header and the rowspan group labels
(三、本年度办理结果, （三）不予公开 …); section 四 with 行政复议 / 行政诉讼 over 未经复议直接起诉 / 复议后起诉. Every row
and column label comes from :mod:`giar.template`; the few header cells the template module does not hold (the
勾稽关系 note, 法人或其他组织, 信息内容) are the national template's fixed wording.

Used by tests/test_formats.py to check that one report gives the same tables whatever its format.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from giar.template import (
    APPLICANTS,
    REQUEST_COLUMNS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    SECTION_ORDER,
    SECTION_ORDINALS,
    TEMPLATES,
    TEXT_SECTIONS,
    Column,
    Template,
)

# Header cells of the national template that are not row or column labels (so giar.template does not hold them).
INFO_CONTENT = "信息内容"  # first header cell of every 第二十条 sub-table
APPLICANT_HEAD = "申请人情况"
LEGAL_PERSONS = "法人或其他组织"
REQUESTS_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

ACTIVE_WIDTH = 4  # 二: label + up to three value columns
REQ_LABEL_COLS = 3  # 三: 三、本年度办理结果 | （三）不予公开 | 1.属于国家秘密

CJK_FONTS = '"WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC", "SimSun", "Microsoft YaHei", sans-serif'


# --- the layout, format-neutral ---------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


Row = list[Cell]  # cells the row starts, left to right (HTML's model: cells covered by a rowspan above are left out)


def fmt_value(value: Any, column: Column) -> str:
    """A gold value as a report prints it: signed changes with "+", amounts at their precision, null blank."""
    if value is None:
        return ""
    if column.kind == "signed":
        return f"{value:+d}" if value else "0"
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def template_of(gold: dict) -> Template:
    return TEMPLATES[gold["meta"]["template"]]


def heading(gold: dict, name: str) -> str:
    """The printed section heading (一、总体情况 …) of a table or text section."""
    ordinal = SECTION_ORDINALS[SECTION_ORDER.index(name)]
    tables = template_of(gold).tables
    words = tables[name].heading if name in tables else TEXT_SECTIONS[name][0]
    return f"{ordinal}、{words}"


def active_rows(gold: dict) -> list[Row]:
    """二: per article, a title row across the table, a header row, then its items; the last cell of a row
    with fewer than three values spans the remaining columns."""
    spec = template_of(gold).tables["active_disclosure"]
    values = gold["active_disclosure"]
    rows: list[Row] = []
    group = None
    for r in spec.rows:
        if r.group != group:
            group = r.group
            rows.append([Cell(r.group, colspan=ACTIVE_WIDTH)])
            rows.append(_fill([Cell(INFO_CONTENT)] + [Cell(c.label) for c in r.columns]))
        row_values = values.get(r.key) or {}
        rows.append(_fill([Cell(r.label)] + [Cell(fmt_value(row_values.get(c.key), c)) for c in r.columns]))
    return rows


def _fill(row: Row) -> Row:
    row[-1].colspan += ACTIVE_WIDTH - len(row)
    return row


def requests_rows(gold: dict) -> list[Row]:
    """三: the merged three-row header, then one row per template row with the group labels as rowspans."""
    spec = template_of(gold).tables["requests"]
    values = gold["requests"]
    n_app = len(APPLICANTS)
    rows: list[Row] = [
        [Cell(REQUESTS_NOTE, rowspan=3, colspan=REQ_LABEL_COLS), Cell(APPLICANT_HEAD, colspan=len(REQUEST_COLUMNS))],
        [Cell(APPLICANTS[0].label, rowspan=2), Cell(LEGAL_PERSONS, colspan=n_app - 1),
         Cell(REQUEST_COLUMNS[-1].label, rowspan=2)],
        [Cell(c.label) for c in APPLICANTS[1:]],
    ]  # fmt: skip
    # 三、本年度办理结果 covers every row printed under it (the outcomes and （七）总计)
    outer = [r for r in spec.rows if r.group and not r.group.startswith("（")]
    outer_keys = {r.key for r in outer}
    under: dict[str, int] = {}  # inner group label -> its row count
    for r in spec.rows:
        if r.group.startswith("（"):
            under[r.group] = under.get(r.group, 0) + 1
    seen_outer = False
    seen_inner: set[str] = set()
    for r in spec.rows:
        row: Row = []
        if r.key in outer_keys or r.group in under:
            if not seen_outer:
                row.append(Cell(outer[0].group, rowspan=len(outer) + sum(under.values())))
                seen_outer = True
            if r.group in under:
                if r.group not in seen_inner:
                    row.append(Cell(r.group, rowspan=under[r.group]))
                    seen_inner.add(r.group)
                row.append(Cell(r.label))
            else:
                row.append(Cell(r.label, colspan=REQ_LABEL_COLS - 1))
        else:
            row.append(Cell(r.label, colspan=REQ_LABEL_COLS))
        row_values = values.get(r.key) or {}
        row.extend(Cell(fmt_value(row_values.get(c.key), c)) for c in r.columns)
        rows.append(row)
    return rows


def review_rows(gold: dict) -> list[Row]:
    """四: 行政复议 | 行政诉讼 over the 5 review column labels (rowspan 2) and the two litigation groups, their
    10 labels, then the one row of 15 numbers."""
    n = len(REVIEW_COLUMNS)
    review, direct, after = REVIEW_GROUPS
    values = gold["review_litigation"]
    return [
        [Cell(review.label, colspan=n), Cell(direct.group, colspan=2 * n)],
        [Cell(c.label, rowspan=2) for c in REVIEW_COLUMNS]
        + [Cell(direct.label, colspan=n), Cell(after.label, colspan=n)],
        [Cell(c.label) for c in REVIEW_COLUMNS] * 2,
        [Cell(fmt_value((values.get(g.key) or {}).get(c.key), c)) for g in REVIEW_GROUPS for c in REVIEW_COLUMNS],
    ]


def paragraphs(gold: dict) -> dict[str, list[str]]:
    """Short body text for each section (invented, like the fixtures' bodies; a few numbers in running text)."""
    meta = gold["meta"]
    org, year = meta["organization"], meta["year"]
    req = gold["requests"]

    def total(row: str) -> str:
        v = (req.get(row) or {}).get("total")
        return "" if v is None else str(v)

    return {
        "intro": [
            f"根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求，现公布{org}{year}年政府信息公开工作"
            f"年度报告。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        ],
        "overview": [
            f"{year}年，{org}认真贯彻落实《条例》，坚持“以公开为常态、不公开为例外”，不断完善政府信息公开制度。",
            f"（一）依申请公开。全年共收到政府信息公开申请{total('new_received')}件，上年结转{total('carried_over')}件，"
            f"结转下年度继续办理{total('carried_forward')}件。",
            "（二）平台建设。持续优化政府网站信息公开专栏，加强政务新媒体管理。",
        ],
        "active_disclosure": [],
        "requests": [],
        "review_litigation": [],
        "problems": [
            "信息公开机制需进一步完善，主动公开的信息更新频率有待提升。下一步将加大学习培训力度，提高工作水平。"
        ],
        "other": [f"本单位{year}年度未收取政府信息公开信息处理费。"],
    }


SECTIONS = SECTION_ORDER


def tables(gold: dict) -> dict[str, list[Row]]:
    return {
        "active_disclosure": active_rows(gold),
        "requests": requests_rows(gold),
        "review_litigation": review_rows(gold),
    }


# --- HTML ---------------------------------------------------------------------------------------------------

_CSS = f"""
body {{ font-family: {CJK_FONTS}; font-size: 12pt; margin: 0; }}
h1 {{ font-size: 16pt; text-align: center; }}
h2 {{ font-size: 13pt; }}
p {{ text-indent: 2em; line-height: 1.6; }}
table {{ border-collapse: collapse; width: 100%; font-size: 9pt; margin: 0.5em 0 1em; }}
td {{ border: 1px solid #000; padding: 2px 3px; text-align: center; vertical-align: middle; }}
tr {{ break-inside: avoid; }}
@page {{ size: A4; margin: 2cm 1.8cm; }}
"""


def _html_table(rows: Sequence[Row]) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="2">']
    for row in rows:
        cells = []
        for c in row:
            attrs = f' rowspan="{c.rowspan}"' if c.rowspan > 1 else ""
            attrs += f' colspan="{c.colspan}"' if c.colspan > 1 else ""
            cells.append(f"<td{attrs}>{html.escape(c.text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def to_html(gold: dict, *, extra_css: str = "") -> str:
    """The report as one HTML page: title, sections 一 … 六, and the three tables in the template's layout.

    ``extra_css`` is appended to the page's style, e.g. ``"@page { size: A5; } tr { break-inside: auto; }"`` to
    let Chromium cut table rows at page breaks (as Word does by default)."""
    title = gold["meta"]["title"]
    body = paragraphs(gold)
    tbls = tables(gold)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_CSS}{extra_css}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    parts += [f"<p>{html.escape(p)}</p>" for p in body["intro"]]
    for name in SECTIONS:
        parts.append(f"<h2>{html.escape(heading(gold, name))}</h2>")
        parts += [f"<p>{html.escape(p)}</p>" for p in body[name]]
        if name in tbls:
            parts.append(_html_table(tbls[name]))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --- DOCX ---------------------------------------------------------------------------------------------------


def _grid(rows: Sequence[Row]) -> tuple[list[tuple[int, int, Cell]], int]:
    """HTML-style rows placed on grid positions (row, col, cell), and the grid width."""
    taken: set[tuple[int, int]] = set()
    placed = []
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            placed.append((r, c, cell))
            c += cell.colspan
            width = max(width, c)
    return placed, width


def _docx_table(document, rows: Sequence[Row]) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Pt

    placed, width = _grid(rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, c, cell in placed:
        target = table.cell(r, c)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
        target.text = cell.text  # after merging: a merge joins the texts of the merged cells
        for p in target.paragraphs:
            for run in p.runs:
                run.font.size = Pt(9)


def to_docx(gold: dict, path: str | os.PathLike) -> Path:
    """The same document as :func:`to_html`, written with python-docx, merged cells for the spans."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")

    body = paragraphs(gold)
    tbls = tables(gold)
    document.add_heading(gold["meta"]["title"], level=1)
    for p in body["intro"]:
        document.add_paragraph(p)
    for name in SECTIONS:
        document.add_heading(heading(gold, name), level=2)
        for p in body[name]:
            document.add_paragraph(p)
        if name in tbls:
            _docx_table(document, tbls[name])
    path = Path(path)
    document.save(str(path))
    return path


# --- PDF ----------------------------------------------------------------------------------------------------

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# headless and offline: no sandbox (root in CI), nothing fetched in the background, no first-run pages
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> Optional[str]:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def has_cjk_font() -> bool:
    """Does fontconfig (which Chromium uses on Linux) know a font covering Chinese?"""
    fc = shutil.which("fc-list")
    if fc is None:
        return False
    proc = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True, timeout=30)
    return bool(proc.stdout.strip())


def to_pdf(html_path: str | os.PathLike, pdf_path: str | os.PathLike, *, timeout: float = 120) -> Path:
    """Print an HTML file to PDF with headless Chromium (as a person would "print to PDF" the web page)."""
    exe = find_chromium()
    if exe is None:
        raise FileNotFoundError("chromium not found (apt-get install -y chromium fonts-wqy-zenhei)")
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    with tempfile.TemporaryDirectory(prefix="giar-chromium-") as profile:
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_path}",
            "--no-pdf-header-footer",
            html_path.as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RuntimeError(f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return pdf_path


# --- a web archiver's text dump -------------------------------------------------------------------------------

ARCHIVE_HEADER = "标题: {title}\n发布时间: {published} 09:30\n文号: \n发布机构: {publisher}\n栏目: 政府信息公开年报\n原文链接: {url}\n"


def to_archived_text(gold: dict, *, url: str = "https://www.example.gov.cn/zwgk/nb/t1.htm", published: str = "2024-03-01") -> str:
    """The report as a web archiver saves it: a header block, then the page's text with every tag dropped, so
    table cells run together (a blank cell, printed &nbsp;, leaves a space) and the body is one line."""
    from lxml import html as lxml_html

    page = re.sub(r"(<td[^>]*>)(</td>)", "\\1&nbsp;\\2", to_html(gold))
    body = lxml_html.fromstring(page.encode("utf-8")).find("body")
    text = "".join(body.itertext()).replace("\n", "")
    meta = gold["meta"]
    head = ARCHIVE_HEADER.format(title=meta["title"], published=published, publisher=meta["organization"], url=url)
    return head + "==================== 正文 ====================\n" + text + "\n"
