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
import math
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Collection, Mapping, Sequence
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
    key: Optional[str] = None  # "table.row.column" of a value cell


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
        rows.append(
            _fill(
                [Cell(r.label)]
                + [Cell(fmt_value(row_values.get(c.key), c), key=f"active_disclosure.{r.key}.{c.key}") for c in r.columns]
            )
        )
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
        row.extend(Cell(fmt_value(row_values.get(c.key), c), key=f"requests.{r.key}.{c.key}") for c in r.columns)
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
        [
            Cell(fmt_value((values.get(g.key) or {}).get(c.key), c), key=f"review_litigation.{g.key}.{c.key}")
            for g in REVIEW_GROUPS
            for c in REVIEW_COLUMNS
        ],
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
            parts.append(_html_table(tbls[name], cells, hidden_rows))
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
    for r, c, cell in placed:
        target = table.cell(r, c)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
        target.text = cell.text  # after merging: a merge joins the texts of the merged cells
        for p in target.paragraphs:
            for run in p.runs:
                run.font.size = Pt(9)
    # cells are found first: a perturbation may move its row or cell into a content control
    targets = [(cells[c.key], table.cell(r, col), c.text) for r, col, c in placed if c.key in cells]
    for perturb, target, text in targets:
        perturb(target, text)


def to_docx(gold: dict, path: str | os.PathLike, *, cells: Mapping[str, Callable[[Any, str], None]] = {}) -> Path:
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
            _docx_table(document, tbls[name], cells)
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


def to_archived_text(gold: dict, *, url: str = "https://www.example.gov.cn/zwgk/nb/t1.htm", published: str = "2024-03-01") -> str:
    """The report as a web archiver saves it: a header block, then the page's text with every tag dropped, so
    table cells run together (a blank cell, printed &nbsp;, leaves a space) and the body is one line."""
    return archive_page(gold, to_html(gold), url=url, published=published)


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
