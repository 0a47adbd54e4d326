"""Render a gold report (tests/fixtures/README.md "Gold format") as a full document in text, HTML, DOCX or PDF.

The documents follow the national template's printed layout: section 二 as one table of sub-tables per
第二十条第（X）项 with their header rows; section 三 with its merged three-row header and the rowspan group labels
(三、本年度办理结果, （三）不予公开 …); section 四 with 行政复议 / 行政诉讼 over 未经复议直接起诉 / 复议后起诉. Every row,
column and header label comes from :mod:`giar.template` (headers from its layouts, ``REQUEST_HEADER`` …).

A :class:`Variant` renders the same report departing from the template as real reports do (issue 11): columns
printed in another order (header and data alike), last year's table printed beside this year's, a 栏次 row
under the header, counts printed with a decimal part. Text is tab-separated with every grid cell kept (the
layout of tests/fixtures/hard/tabs_2021.txt).

Used by tests/test_formats.py (one report, the same tables in every format) and tests/test_adversarial.py.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from giar.template import (
    INFO_CONTENT,
    NUMBERING_LETTERS,
    NUMBERING_WORDS,
    REQUEST_HEADER,
    REQUESTS_NOTE,
    REVIEW_GROUPS,
    REVIEW_HEADER,
    SECTION_ORDER,
    SECTION_ORDINALS,
    TEMPLATES,
    TEXT_SECTIONS,
    Column,
    ColumnGroup,
    HeaderLayout,
    Template,
    layout_columns,
)

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
Block = Union[str, list[Row]]  # a paragraph or a table, in a section's order

Values = dict  # a table's gold values: {row or group key: {column key: value}}


@dataclass(frozen=True)
class Extra:
    """Another table of the same kind printed in the section (last year's, a comparison): its caption, its
    values, where it stands, and which of its rows it prints (None: all)."""

    caption: str
    values: Values
    after: bool = False  # printed after this year's table (else before)
    rows: Optional[tuple[str, ...]] = None  # an excerpt: only these row keys (二: these subtables' rows)


@dataclass(frozen=True)
class Variant:
    """How a rendered report departs from the template's layout. Every field is per table name.

    ``orders``: printed order of the columns, ``order[i]`` the template column printed i-th (header and data
    alike); for 二 keyed ``"active_disclosure:<width>"`` (each subtable of that many columns). ``numbering``: a
    栏次 row under the header ("lanci": labelled 栏次; "letters": 甲 乙 …; "plain": numbers only; "repeated": 1…5
    per group of 四). ``label``: 四's data row printed with this label in a first column. ``caption``: a line
    above this year's table. ``extra``: other tables of the kind. ``fmt``: a value's printed text (key, value,
    column) instead of :func:`fmt_value`."""

    orders: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    numbering: Mapping[str, str] = field(default_factory=dict)
    label: Mapping[str, str] = field(default_factory=dict)
    caption: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, tuple[Extra, ...]] = field(default_factory=dict)
    fmt: Optional[Callable[[str, Any, Column], str]] = None


PLAIN = Variant()


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


def header_rows(layout: HeaderLayout, order: Sequence[int]) -> list[Row]:
    """The header of columns printed in ``order`` (``order[i]``: the template column printed i-th): each group
    over the run of its columns (a group whose columns are not side by side is printed over each run), each
    column's label down to the last header row."""
    cols = layout_columns(layout)
    paths: list[tuple[ColumnGroup, ...]] = []

    def walk(nodes: Sequence[Union[Column, ColumnGroup]], path: tuple[ColumnGroup, ...]) -> None:
        for node in nodes:
            if isinstance(node, ColumnGroup):
                walk(node.children, path + (node,))
            else:
                paths.append(path)

    walk(layout, ())
    depth = max(len(p) for p in paths) + 1
    rows: list[Row] = [[] for _ in range(depth)]
    for level in range(depth):
        i = 0
        while i < len(order):
            path = paths[order[i]]
            if level < len(path):
                k = i
                while k + 1 < len(order) and paths[order[k + 1]][: level + 1] == path[: level + 1]:
                    k += 1
                rows[level].append(Cell(path[level].label, colspan=k - i + 1))
                i = k + 1
                continue
            if level == len(path):
                rows[level].append(Cell(cols[order[i]].label, rowspan=depth - level))
            i += 1
    return [r for r in rows if r]


def numbering_row(kind: str, n: int, label_cols: int, groups: int = 1) -> Row:
    """A 栏次 row numbering ``n`` columns (after ``label_cols`` label columns)."""
    if kind == "repeated":
        nums = [str(1 + i % (n // groups)) for i in range(n)]
    else:
        nums = [str(i + 1) for i in range(n)]
    if not label_cols:
        return [Cell(x) for x in nums]
    if kind == "lanci":
        head = [Cell(NUMBERING_WORDS[0], colspan=label_cols)]
    elif kind == "letters":
        head = [Cell(NUMBERING_LETTERS[i]) for i in range(label_cols)]
    else:
        head = [Cell("", colspan=label_cols)]
    return head + [Cell(x) for x in nums]


def _fmt(variant: Variant, key: str, value: Any, column: Column) -> str:
    return variant.fmt(key, value, column) if variant.fmt is not None else fmt_value(value, column)


def active_rows(gold: dict, variant: Variant = PLAIN, values: Optional[Values] = None, keep: Optional[tuple[str, ...]] = None) -> list[Row]:
    """二: per article, a title row across the table, a header row, then its items; the last cell of a row
    with fewer than three values spans the remaining columns."""
    spec = template_of(gold).tables["active_disclosure"]
    values = gold["active_disclosure"] if values is None else values
    rows: list[Row] = []
    group = None
    for r in spec.rows:
        if keep is not None and r.key not in keep:
            continue
        order = variant.orders.get(f"active_disclosure:{len(r.columns)}", tuple(range(len(r.columns))))
        cols = [r.columns[j] for j in order]
        if r.group != group:
            group = r.group
            rows.append([Cell(r.group, colspan=ACTIVE_WIDTH)])
            rows.append(_fill([Cell(INFO_CONTENT)] + [Cell(c.label) for c in cols]))
            if "active_disclosure" in variant.numbering:
                rows.append(_fill(numbering_row(variant.numbering["active_disclosure"], len(cols), 1)))
        row_values = values.get(r.key) or {}
        printed = [Cell(_fmt(variant, f"active_disclosure.{r.key}.{c.key}", row_values.get(c.key), c)) for c in cols]
        rows.append(_fill([Cell(r.label)] + printed))
    return rows


def _fill(row: Row) -> Row:
    row[-1].colspan += ACTIVE_WIDTH - sum(c.colspan for c in row)
    return row


def requests_rows(gold: dict, variant: Variant = PLAIN, values: Optional[Values] = None, keep: Optional[tuple[str, ...]] = None) -> list[Row]:
    """三: the merged three-row header, then one row per template row with the group labels as rowspans."""
    spec = template_of(gold).tables["requests"]
    values = gold["requests"] if values is None else values
    order = variant.orders.get("requests", tuple(range(len(layout_columns(REQUEST_HEADER)))))
    head = header_rows(REQUEST_HEADER, order)
    head[0].insert(0, Cell(REQUESTS_NOTE, rowspan=len(head), colspan=REQ_LABEL_COLS))
    rows: list[Row] = head
    if "requests" in variant.numbering:
        rows.append(numbering_row(variant.numbering["requests"], len(order), REQ_LABEL_COLS))
    printed_rows = [r for r in spec.rows if keep is None or r.key in keep]
    # 三、本年度办理结果 covers every row printed under it (the outcomes and （七）总计)
    outer = [r for r in printed_rows if r.group and not r.group.startswith("（")]
    outer_keys = {r.key for r in outer}
    under: dict[str, int] = {}  # inner group label -> its row count
    for r in printed_rows:
        if r.group.startswith("（"):
            under[r.group] = under.get(r.group, 0) + 1
    seen_outer = False
    seen_inner: set[str] = set()
    for r in printed_rows:
        row: Row = []
        if r.key in outer_keys or r.group in under:
            if not seen_outer:
                row.append(Cell(outer[0].group if outer else r.group, rowspan=len(outer) + sum(under.values())))
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
        row.extend(Cell(_fmt(variant, f"requests.{r.key}.{c.key}", row_values.get(c.key), c)) for c in (r.columns[j] for j in order))
        rows.append(row)
    return rows


def review_rows(gold: dict, variant: Variant = PLAIN, values: Optional[Values] = None, keep: Optional[tuple[str, ...]] = None) -> list[Row]:
    """四: 行政复议 | 行政诉讼 over the 5 review column labels (rowspan 2) and the two litigation groups, their
    10 labels, then the one row of 15 numbers (``keep`` is ignored: 四 prints one row)."""
    values = gold["review_litigation"] if values is None else values
    cols = layout_columns(REVIEW_HEADER)
    n = len(cols) // len(REVIEW_GROUPS)
    order = variant.orders.get("review_litigation", tuple(range(len(cols))))
    rows = header_rows(REVIEW_HEADER, order)
    label = variant.label.get("review_litigation")
    if label is not None:  # a first column for the row's label: a cell over it in the header, the label below
        rows[0].insert(0, Cell("", rowspan=len(rows)))
    if "review_litigation" in variant.numbering:
        rows.append(numbering_row(variant.numbering["review_litigation"], len(order), int(label is not None), len(REVIEW_GROUPS)))
    data = []
    for j in order:
        g, c = REVIEW_GROUPS[j // n], cols[j]
        data.append(Cell(_fmt(variant, f"review_litigation.{g.key}.{c.key}", (values.get(g.key) or {}).get(c.key), c)))
    rows.append(([Cell(label)] if label is not None else []) + data)
    return rows


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
ROWS = {"active_disclosure": active_rows, "requests": requests_rows, "review_litigation": review_rows}


def tables(gold: dict, variant: Variant = PLAIN) -> dict[str, list[Row]]:
    """This year's three tables."""
    return {name: rows(gold, variant) for name, rows in ROWS.items()}


def blocks(gold: dict, variant: Variant = PLAIN) -> dict[str, list[Block]]:
    """Each section's paragraphs and tables in order: the body text, then the tables of the kind (captioned
    where the variant says) in their printed order."""
    body = paragraphs(gold)
    out: dict[str, list[Block]] = {}
    for name in SECTIONS:
        items: list[Block] = list(body[name])
        if name in ROWS:
            this: list[Block] = ([variant.caption[name]] if name in variant.caption else []) + [ROWS[name](gold, variant)]
            before: list[Block] = []
            after: list[Block] = []
            for extra in variant.extra.get(name, ()):
                table = ROWS[name](gold, variant, extra.values, extra.rows)
                (after if extra.after else before).extend(([extra.caption] if extra.caption else []) + [table])
            items += before + this + after
        out[name] = items
    return out


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


def to_html(gold: dict, *, extra_css: str = "", variant: Variant = PLAIN) -> str:
    """The report as one HTML page: title, sections 一 … 六, and the three tables in the template's layout.

    ``extra_css`` is appended to the page's style, e.g. ``"@page { size: A5; } tr { break-inside: auto; }"`` to
    let Chromium cut table rows at page breaks (as Word does by default)."""
    title = gold["meta"]["title"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_CSS}{extra_css}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    parts += [f"<p>{html.escape(p)}</p>" for p in paragraphs(gold)["intro"]]
    for name, items in blocks(gold, variant).items():
        parts.append(f"<h2>{html.escape(heading(gold, name))}</h2>")
        parts += [f"<p>{html.escape(b)}</p>" if isinstance(b, str) else _html_table(b) for b in items]
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
    grid = table._cells  # once: table.cell() walks every cell of the table on each call
    for r, c, cell in placed:
        target = grid[r * width + c]
        target.text = cell.text  # before merging: a merge moves no content out of the empty covered cells
        for p in target.paragraphs:
            for run in p.runs:
                run.font.size = Pt(9)
    for r, c, cell in placed:  # spans never overlap: each corner's element is still in the table when merged
        if cell.rowspan > 1 or cell.colspan > 1:
            grid[r * width + c].merge(grid[(r + cell.rowspan - 1) * width + c + cell.colspan - 1])


def to_docx(gold: dict, path: str | os.PathLike, variant: Variant = PLAIN) -> Path:
    """The same document as :func:`to_html`, written with python-docx, merged cells for the spans."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")

    document.add_heading(gold["meta"]["title"], level=1)
    for p in paragraphs(gold)["intro"]:
        document.add_paragraph(p)
    for name, items in blocks(gold, variant).items():
        document.add_heading(heading(gold, name), level=2)
        for b in items:
            if isinstance(b, str):
                document.add_paragraph(b)
            else:
                _docx_table(document, b)
    path = Path(path)
    document.save(str(path))
    return path


# --- text ---------------------------------------------------------------------------------------------------


def _text_table(rows: Sequence[Row]) -> list[str]:
    """One line per row, a tab between grid cells; a merged cell's text in its first grid cell, blanks in the
    cells it covers (as a table copied out of a word processor)."""
    placed, width = _grid(rows)
    grid = [[""] * width for _ in rows]
    for r, c, cell in placed:
        grid[r][c] = cell.text
    return ["\t".join(line) for line in grid]


def to_text(gold: dict, variant: Variant = PLAIN) -> str:
    """The same document as :func:`to_html`, as tab-separated text (tests/fixtures/hard/tabs_2021.txt's layout)."""
    lines = [gold["meta"]["title"], ""]
    for p in paragraphs(gold)["intro"]:
        lines += [p, ""]
    for name, items in blocks(gold, variant).items():
        lines += [heading(gold, name), ""]
        for b in items:
            lines += ([b] if isinstance(b, str) else _text_table(b)) + [""]
    return "\n".join(lines)


# --- PDF ----------------------------------------------------------------------------------------------------

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


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
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_path}",
            "--no-pdf-header-footer",
            html_path.as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RuntimeError(f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return pdf_path
