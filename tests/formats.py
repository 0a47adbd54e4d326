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
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from giar.template import (
    APPLICANT_HEAD,
    CONTENT_HEADER,
    NUMBERING_LETTERS,
    NUMBERING_WORDS,
    REQUEST_COLUMNS,
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

INFO_CONTENT = CONTENT_HEADER  # first header cell of every 第二十条 sub-table

ACTIVE_WIDTH = 4  # 二: label + up to three value columns
REQ_LABEL_COLS = 3  # 三: 三、本年度办理结果 | （三）不予公开 | 1.属于国家秘密

CJK_FONTS = '"WenQuanYi Zen Hei", "Noto Sans CJK SC", "Source Han Sans SC", "SimSun", "Microsoft YaHei", sans-serif'


# --- the layout, format-neutral ---------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    key: Optional[str] = None  # "table.row.column" of a value cell


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
        printed = [
            Cell(_fmt(variant, key, row_values.get(c.key), c), key=key)
            for c in cols
            for key in (f"active_disclosure.{r.key}.{c.key}",)
        ]
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
        for c in (r.columns[j] for j in order):
            key = f"requests.{r.key}.{c.key}"
            row.append(Cell(_fmt(variant, key, row_values.get(c.key), c), key=key))
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
        key = f"review_litigation.{g.key}.{c.key}"
        data.append(Cell(_fmt(variant, key, (values.get(g.key) or {}).get(c.key), c), key=key))
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


def _html_row(row: Row, cells: Mapping[str, str], attrs: str = "") -> str:
    out = []
    for c in row:
        span = f' rowspan="{c.rowspan}"' if c.rowspan > 1 else ""
        span += f' colspan="{c.colspan}"' if c.colspan > 1 else ""
        out.append(f"<td{span}>{cells[c.key] if c.key in cells else html.escape(c.text)}</td>")
    return f"<tr{attrs}>" + "".join(out) + "</tr>"


def _html_table(rows: Sequence[Row], cells: Mapping[str, str], hidden_rows: Collection[str]) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="2">']
    for row in rows:
        if any(c.key in hidden_rows for c in row):
            stale_row = [Cell(stale(c.text), c.rowspan, c.colspan) if c.key else c for c in row]
            out.append(_html_row(stale_row, {}, f' class="{SUPERSEDED}"'))
        out.append(_html_row(row, cells))
    out.append("</table>")
    return "\n".join(out)


def to_html(
    gold: dict,
    *,
    extra_css: str = "",
    font_family: Optional[str] = None,
    cells: Mapping[str, str] = {},
    hidden_rows: Collection[str] = (),
    variant: Variant = PLAIN,
) -> str:
    """The report as one HTML page: title, sections 一 … 六, and the three tables in the template's layout.

    ``extra_css`` is appended to the page's style, e.g. ``"@page { size: A5; } tr { break-inside: auto; }"`` to
    let Chromium cut table rows at page breaks (as Word does by default). ``font_family`` draws the whole page
    in that one font (Chromium otherwise picks the first of :data:`CJK_FONTS` it has).

    Perturbations (issue 11): ``cells`` gives the inner HTML of value cells by key ("requests.granted.total"),
    e.g. from :data:`HTML_CELLS`; before the row of each key in ``hidden_rows`` goes a stale copy of the row with
    other numbers, hidden by a class the page's own stylesheet hides (a correction left in the page)."""
    if font_family:
        extra_css += f'\nbody, table {{ font-family: "{font_family}"; }}'
    if hidden_rows or any("stale" in v for v in cells.values()):
        extra_css += f"\n.{SUPERSEDED} {{ display: none; }} .stale {{ display: none; }}"
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
        parts += [f"<p>{html.escape(b)}</p>" if isinstance(b, str) else _html_table(b, cells, hidden_rows) for b in items]
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


def _docx_table(document, rows: Sequence[Row], cells: Mapping[str, Callable[[Any, str], None]]) -> None:
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
    # cells are found first: a perturbation may move its row or cell into a content control
    targets = [(cells[c.key], grid[r * width + col], c.text) for r, col, c in placed if c.key in cells]
    for perturb, target, text in targets:
        perturb(target, text)


def to_docx(
    gold: dict, path: str | os.PathLike, *, cells: Mapping[str, Callable[[Any, str], None]] = {}, variant: Variant = PLAIN
) -> Path:
    """The same document as :func:`to_html`, written with python-docx, merged cells for the spans. ``cells``
    rewrites value cells by key (``perturb(cell, printed_text)``), e.g. with :data:`DOCX_CELLS`."""
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
                _docx_table(document, b, cells)
    path = Path(path)
    document.save(str(path))
    return path


# --- perturbations: markup that holds more than a reader sees (issue 11) -------------------------------------

SUPERSEDED = "superseded"  # the class of a stale row the page's own stylesheet hides


def stale(text: str) -> str:
    """An earlier figure for a cell, left in the markup beside the printed one: other digits."""
    return str(int(float(text)) + 3) if text else "3"


@dataclass(frozen=True)
class Perturbation:
    """One way of writing a value cell whose markup holds more (or less) than a reader sees, and the repairs the
    reader must name in the value's provenance. ``render`` gets the printed text (and for DOCX the cell);
    ``whole_row``: it changes the cell's whole printed row, so every value of the row carries the repairs."""

    render: Callable[..., Any]
    repairs: tuple[str, ...]
    whole_row: bool = False


STRUCK, HIDDEN, RUBY, NOTE = "skip_struck_text", "skip_hidden_text", "skip_ruby_annotation", "footnote_mark_dropped"
INSERTED, DELETED = "keep_tracked_insertion", "skip_tracked_deletion"
SMART_TAG, FIELD, CONTROL = "smart_tag_text", "field_result", "content_control_text"

HTML_CELLS: dict[str, Perturbation] = {
    "del": Perturbation(lambda v: f"<del>{stale(v)}</del>{v}", (STRUCK,)),
    "s": Perturbation(lambda v: f"<s>{stale(v)}</s>{v}", (STRUCK,)),
    "strike": Perturbation(lambda v: f"<strike>{stale(v)}</strike> {v}", (STRUCK,)),
    "del_ins": Perturbation(lambda v: f"<del>{stale(v)}</del><ins>{v}</ins>", (STRUCK, INSERTED)),
    "display_none": Perturbation(lambda v: f'<span style="display: none">{stale(v)}</span>{v}', (HIDDEN,)),
    "hidden_attribute": Perturbation(lambda v: f"{v}<span hidden>{stale(v)}</span>", (HIDDEN,)),
    "visibility_hidden": Perturbation(lambda v: f'<font style="visibility:hidden">{stale(v)}</font>{v}', (HIDDEN,)),
    "hidden_class": Perturbation(lambda v: f'<span class="stale">{stale(v)}</span>{v}', (HIDDEN,)),
    "ruby": Perturbation(lambda v: f"<ruby>{v}<rp>(</rp><rt>{stale(v)}</rt><rp>)</rp></ruby>", (RUBY,)),
    "sup": Perturbation(lambda v: f"{v}<sup>1</sup>", (NOTE,)),
    "sub": Perturbation(lambda v: f"{v}<sub>2</sub>", (NOTE,)),
}


def _w(xml: str):
    """One WordprocessingML element from its markup (the w: namespace declared)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    return parse_xml(re.sub(r"^<([\w:]+)", lambda m: f"<{m.group(1)} {nsdecls('w')}", xml, count=1))


def _r(text: str, props: str = "") -> str:
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'


_CHANGE = 'w:author="editor" w:date="2024-01-20T10:00:00Z"'
_SMART_TAGS = "urn:schemas-microsoft-com:office:smarttags"


def _cell_xml(*fragments: str) -> Callable[[Any, str], None]:
    """A perturbation that replaces the cell's runs with ``fragments`` (markup, ``{v}``/``{old}`` filled in)."""

    def perturb(cell, v: str) -> None:
        p = cell.paragraphs[0]._p
        for r in p.xpath("./w:r"):
            p.remove(r)
        head, tail = (v[:-1], v[-1]) if len(v) > 1 else ("", v)
        for i, fragment in enumerate(fragments):
            p.append(_w(fragment.format(v=v, old=stale(v), head=head, tail=tail, id=i + 1)))

    return perturb


def _struck_by_style(cell, v: str) -> None:
    """The old figure in a character style that strikes through (no strike on the run itself)."""
    from docx.enum.style import WD_STYLE_TYPE

    styles = cell.part.document.styles
    if "Superseded" not in [s.name for s in styles]:
        styles.add_style("Superseded", WD_STYLE_TYPE.CHARACTER).font.strike = True
    p = cell.paragraphs[0]
    p._p.remove(p.runs[0]._r)
    p.add_run(stale(v), style="Superseded")
    p.add_run(v)


def _wrap(element, props: str = "<w:alias w:val=\"figure\"/>") -> None:
    """Put ``element`` (a row, a cell) inside a content control."""
    sdt = _w(f"<w:sdt><w:sdtPr>{props}</w:sdtPr><w:sdtContent/></w:sdt>")
    element.addprevious(sdt)
    sdt[-1].append(element)


DOCX_CELLS: dict[str, Perturbation] = {
    "strike": Perturbation(_cell_xml(_r("{old}", "<w:strike/>"), _r("{v}")), (STRUCK,)),
    "dstrike": Perturbation(_cell_xml(_r("{v}"), _r("{old}", "<w:dstrike/>")), (STRUCK,)),
    "strike_by_style": Perturbation(_struck_by_style, (STRUCK,)),
    "vanish": Perturbation(_cell_xml(_r("{old}", "<w:vanish/>"), _r("{v}")), (HIDDEN,)),
    "superscript": Perturbation(_cell_xml(_r("{v}"), _r("1", '<w:vertAlign w:val="superscript"/>')), (NOTE,)),
    "subscript": Perturbation(_cell_xml(_r("{v}"), _r("2", '<w:vertAlign w:val="subscript"/>')), (NOTE,)),
    "insertion": Perturbation(  # 301 typed as 30 + a tracked insertion of 1
        _cell_xml(_r("{head}"), f'<w:ins w:id="{{id}}" {_CHANGE}>{_r("{tail}")}</w:ins>'), (INSERTED,)
    ),
    "replacement": Perturbation(
        _cell_xml(
            f'<w:del w:id="{{id}}" {_CHANGE}><w:r><w:delText>{{old}}</w:delText></w:r></w:del>',
            f'<w:ins w:id="{{id}}" {_CHANGE}>{_r("{v}")}</w:ins>',
        ),
        (INSERTED, DELETED),
    ),
    "smart_tag": Perturbation(  # 30 + a smart tag around 1
        _cell_xml(_r("{head}"), f'<w:smartTag w:uri="{_SMART_TAGS}" w:element="chmetcnv">{_r("{tail}")}</w:smartTag>'),
        (SMART_TAG,),
    ),
    "custom_xml": Perturbation(_cell_xml(f'<w:customXml w:element="figure">{_r("{v}")}</w:customXml>'), (SMART_TAG,)),
    "simple_field": Perturbation(_cell_xml(f'<w:fldSimple w:instr=" = 40 + 2 ">{_r("{v}")}</w:fldSimple>'), (FIELD,)),
    "complex_field": Perturbation(
        _cell_xml(
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
            '<w:r><w:instrText xml:space="preserve"> = 40 + 2 \\* MERGEFORMAT </w:instrText></w:r>',
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
            _r("{v}"),
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
        ),
        (FIELD,),
    ),
    "inline_control": Perturbation(
        _cell_xml(f'<w:sdt><w:sdtPr><w:alias w:val="figure"/></w:sdtPr><w:sdtContent>{_r("{v}")}</w:sdtContent></w:sdt>'),
        (CONTROL,),
    ),
    "cell_control": Perturbation(lambda cell, v: _wrap(cell._tc), (CONTROL,)),
    "row_control": Perturbation(lambda cell, v: _wrap(cell._tc.getparent()), (CONTROL,), whole_row=True),
}


def fmt_value_of(gold: dict, key: str) -> str:
    """The printed text of the value ``table.row.column``."""
    table, row, col = key.split(".")
    column = next(c for r in template_of(gold).tables[table].rows if r.key == row for c in r.columns if c.key == col)
    return fmt_value((gold[table].get(row) or {}).get(col), column)


def printed_row(gold: dict, key: str) -> list[str]:
    """The value keys of the printed table row that holds ``key`` (四 prints its fifteen values in one row)."""
    for rows in tables(gold).values():
        for row in rows:
            keys = [c.key for c in row if c.key]
            if key in keys:
                return keys
    raise KeyError(key)


def value_keys(gold: dict) -> dict[str, list[str]]:
    """Per table, the keys of its printed counts and amounts (signed changes left out), in template order."""
    tables = template_of(gold).tables
    return {
        name: [
            f"{name}.{r.key}.{c.key}"
            for r in tables[name].rows
            for c in r.columns
            if c.kind != "signed" and (gold[name].get(r.key) or {}).get(c.key) is not None
        ]
        for name in tables
    }


def assign(gold: dict, names: Sequence[str], stride: int = 7) -> dict[str, list[str]]:
    """Distinct value keys for each perturbation name, one per table while the table has keys left; each table's
    keys are visited with a stride so the cells spread over rows and columns. Deterministic."""
    out: dict[str, list[str]] = {n: [] for n in names}
    for keys in value_keys(gold).values():
        step = next(s for s in range(stride, stride + len(keys) + 1) if math.gcd(s, len(keys)) == 1)
        order = [keys[(i * step) % len(keys)] for i in range(len(keys))]
        for name, key in zip(names, order):
            out[name].append(key)
    return out


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


def has_cjk_font(family: Optional[str] = None) -> bool:
    """Does fontconfig (which Chromium uses on Linux) know a font covering Chinese (of that family)?"""
    fc = shutil.which("fc-list")
    if fc is None:
        return False
    proc = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True, timeout=30)
    families = {name.strip() for line in proc.stdout.splitlines() for name in line.split(",")}
    return bool(families) if family is None else family in families


_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def pdf_unicode_targets(path: str | os.PathLike) -> set[str]:
    """Every character the PDF's fonts map their glyphs to (the ToUnicode CMaps): what its text layer says,
    before any extractor's own normalisation (PDFium and poppler fold radicals into ideographs themselves)."""
    import zlib

    def utf16(hexdigits: bytes) -> str:
        return bytes.fromhex(hexdigits.decode()).decode("utf-16-be", errors="replace")

    out: set[str] = set()
    for m in _STREAM.finditer(Path(path).read_bytes()):
        try:
            cmap = zlib.decompress(m.group(1))
        except zlib.error:
            continue
        if b"begincmap" not in cmap:
            continue
        for section in _BFCHAR.findall(cmap):
            out.update(utf16(dst) for dst in _HEX.findall(section)[1::2])
        for section in _BFRANGE.findall(cmap):
            for line in section.splitlines():
                values = _HEX.findall(line)
                if len(values) < 3:
                    continue
                lo, hi = int(values[0], 16), int(values[1], 16)
                if b"[" in line:
                    out.update(utf16(v) for v in values[2:])
                else:
                    first = utf16(values[2])
                    out.update(first[:-1] + chr(ord(first[-1]) + i) for i in range(hi - lo + 1))
    return out


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


def to_archived_text(
    gold: dict,
    *,
    url: str = "https://www.example.gov.cn/zwgk/nb/t1.htm",
    published: str = "2024-03-01",
    variant: Variant = PLAIN,
) -> str:
    """The report as a web archiver saves it: a header block, then the page's text with every tag dropped, so
    table cells run together (a blank cell, printed &nbsp;, leaves a space) and the body is one line."""
    return archive_page(gold, to_html(gold, variant=variant), url=url, published=published)


def archive_page(gold: dict, page: str, *, url: str = "https://www.example.gov.cn/zwgk/nb/t1.htm", published: str = "2024-03-01") -> str:
    """An HTML page of the report (perhaps perturbed) as a web archiver's text dump."""
    from lxml import html as lxml_html

    page = re.sub(r"(<td[^>]*>)(</td>)", "\\1&nbsp;\\2", page)
    body = lxml_html.fromstring(page.encode("utf-8")).find("body")
    text = "".join(body.itertext()).replace("\n", "")
    meta = gold["meta"]
    head = ARCHIVE_HEADER.format(title=meta["title"], published=published, publisher=meta["organization"], url=url)
    return head + "==================== 正文 ====================\n" + text + "\n"


# --- narrow label columns, wrapped (pdftotext of a PDF whose label columns are 3-4 characters wide) ----------


def _wrap_label(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def to_wrapped_text(gold: dict, width: int = 4, layout: str = "tabs") -> str:
    """The report as text from a PDF whose label columns are ``width`` characters wide: each row's first label
    fragments (group and row label) share the line with its numbers, the rest follow on lines of their own,
    each in its column. ``layout`` is "tabs" (cells between tabs) or "spaces" (columns padded with spaces)."""
    meta = gold["meta"]
    body = paragraphs(gold)
    lines = [meta["title"], *body["intro"]]
    col_w = 2 * width + 2  # display columns per label column (CJK characters are wide)

    def emit(label_cols: list[str], values: list[str]) -> None:
        frags = [_wrap_label(c, width) if c else [] for c in label_cols]
        depth = max([len(f) for f in frags] + [1])
        for k in range(depth):
            cells = [f[k] if k < len(f) else "" for f in frags]
            vals = values if k == 0 else []
            if layout == "tabs":
                lines.append("\t".join(cells + vals).rstrip("\t"))
            else:
                text = "".join(c + " " * (col_w - 2 * len(c)) for c in cells)
                lines.append((text + "  ".join(vals)).rstrip())

    tmpl = template_of(gold)
    for name in SECTIONS:
        lines.append(heading(gold, name))
        lines += body[name]
        if name == "active_disclosure":
            spec = tmpl.tables[name]
            group = None
            for r in spec.rows:
                if r.group != group:
                    group = r.group
                    lines.append(r.group)
                    lines.append("\t".join([INFO_CONTENT] + [c.label for c in r.columns]))
                vals = gold[name].get(r.key) or {}
                emit([r.label], [fmt_value(vals.get(c.key), c) or "" for c in r.columns])
        elif name == "requests":
            spec = tmpl.tables[name]
            lines.append(REQUESTS_NOTE)
            lines.append("\t".join([APPLICANT_HEAD] + [c.label for c in REQUEST_COLUMNS]))
            seen: set[str] = set()
            for r in spec.rows:
                outer = inner = ""
                if r.group and not r.group.startswith("（"):
                    outer = r.group if r.group not in seen else ""
                    seen.add(r.group)
                elif r.group:
                    outer_group = next(x.group for x in spec.rows if x.group and not x.group.startswith("（"))
                    outer = outer_group if outer_group not in seen else ""
                    seen.add(outer_group)
                    inner = r.group if r.group not in seen else ""
                    seen.add(r.group)
                vals = gold[name].get(r.key) or {}
                emit([outer, inner, r.label], [fmt_value(vals.get(c.key), c) for c in r.columns])
        elif name == "review_litigation":
            for row in review_rows(gold)[:-1]:
                lines.append("\t".join(c.text for c in row))
            lines.append("\t".join(c.text for c in review_rows(gold)[-1]))
    return "\n".join(lines) + "\n"
