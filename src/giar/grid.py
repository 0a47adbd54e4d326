"""Stage 3a, grid: the text of one table region becomes rows of cells, each cell with its span.

Every repair is a named step recorded on the row or grid it touched, so a user can see how a row was built:

- ``split_tabs`` / ``split_pipes`` / ``split_spaces``: how a line became cells
- ``drop_separator``: a markdown ``|---|`` line
- ``drop_page_furniture``: a page number or running footer inside the table
- ``join_cell_lines``: one-cell-per-line text (each cell on its own line) rebuilt into rows
- ``split_trailing_numbers``: numbers printed after a label with single spaces ("行政许可 97")
- ``join_label_fragments``: a label cut over several lines by a narrow column (attached in match)
- ``skip_numbering_row``: a 栏次 row under the header (1 2 3 …, 甲 乙 丙) that numbers the columns
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, Optional

from .model import Cell, Grid, Number, Region, Row
from .sections import Line, lines
from .template import DASHES, FOOTNOTE_MARK, NUMBERING_LETTERS, NUMBERING_WORDS, PAGE_FURNITURE, VALUE_UNITS

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FURNITURE = re.compile(PAGE_FURNITURE, re.I)
# thousands separators only in groups of three ("12,5" is a decimal comma or a typo: not read)
_NUM_TOKEN = re.compile(r"^[+-]?(?:\d{1,3}(?:[,，]\d{3})+|\d+)(?:\.\d+)?$")
_FOOTNOTE = re.compile(rf"^(?P<num>.+?)(?P<mark>{FOOTNOTE_MARK})$")
_DASHES = DASHES
_UNIT = re.compile(r"^(?P<num>.*?)(?P<unit>" + "|".join(map(re.escape, VALUE_UNITS)) + ")$")
_SPACES2 = re.compile(r" {2,}")
_TOKEN = re.compile(r"\S+")
_SPACE = re.compile(r"\s")

ValueKind = Literal["number", "dash", "blank", "text"]


@dataclass(frozen=True)
class Value:
    kind: ValueKind
    value: Optional[Number] = None
    unit: Optional[str] = None
    mark: Optional[str] = None  # a footnote marker printed after the number (5*, 12①), dropped


@lru_cache(maxsize=1 << 14)
def parse_value(text: str) -> Value:
    """What one cell holds: a number (full-width, thousands separators and stray spaces tolerated), a dash, a
    blank, or text."""
    s = text.strip().replace(" ", "").replace("\u3000", "")
    if s == "":
        return Value("blank")
    if s in _DASHES:
        return Value("dash", 0)
    unit = mark = None
    f = _FOOTNOTE.match(s)
    if f and _NUM_TOKEN.match(f.group("num")):
        s, mark = f.group("num"), f.group("mark")
    m = _UNIT.match(s)
    if m and m.group("num"):
        s, unit = m.group("num"), m.group("unit")
    if not _NUM_TOKEN.match(s):
        return Value("text")
    s = s.replace(",", "").replace("，", "")
    if s.startswith("+") and len(s) > 1:
        s = s[1:]
    num: Number = float(s) if "." in s else int(s)
    return Value("number", num, unit, mark)


def is_valueish(text: str) -> bool:
    return parse_value(text).kind != "text"


def _cells_from(line: Line, parts: list[tuple[int, int]]) -> list[Cell]:
    out = []
    text, base = line.text, line.start
    for a, b in parts:
        raw = text[a:b]
        stripped = raw.strip()
        if len(stripped) == len(raw):
            out.append(Cell(raw, (base + a, base + b)))
        else:
            start = base + a + len(raw) - len(raw.lstrip())
            out.append(Cell(stripped, (start, start + len(stripped))))
    return out


def _cells_split(line: Line, sep: str, a: int, b: int) -> list[Cell]:
    """The cells of ``line.text[a:b]`` split at ``sep`` (a tab or pipe row: most rows of most reports), each
    stripped, with its span; one pass, no list of spans in between."""
    out = []
    pos = line.start + a
    for raw in line.text[a:b].split(sep):
        stripped = raw.strip()
        if len(stripped) == len(raw):
            out.append(Cell(raw, (pos, pos + len(raw))))
        else:
            start = pos + len(raw) - len(raw.lstrip())
            out.append(Cell(stripped, (start, start + len(stripped))))
        pos += len(raw) + 1
    return out


def _split_on(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    parts, pos = [], 0
    for m in pattern.finditer(text):
        parts.append((pos, m.start()))
        pos = m.end()
    parts.append((pos, len(text)))
    return parts


def split_line(line: Line) -> tuple[list[Cell], str]:
    """Cells of one line and how it was split."""
    t = line.text
    st = t.strip()
    if st.startswith("|") and st.endswith("|") and len(st) > 1:
        a = t.index("|")
        b = t.rindex("|")
        return _cells_split(line, "|", a + 1, b), "split_pipes"
    if "\t" in t:
        return _cells_split(line, "\t", 0, len(t)), "split_tabs"
    parts = _split_on(t, _SPACES2)
    # indentation and trailing spaces are layout, not cells (pdftotext -layout indents rows under a group)
    parts = [(a, b) for i, (a, b) in enumerate(parts) if a < b or 0 < i < len(parts) - 1]
    cells = _cells_from(line, parts)
    how = "split_spaces" if len(cells) > 1 else "line"
    return _split_trailing_numbers(line, cells, how)


def _split_trailing_numbers(line: Line, cells: list[Cell], how: str) -> tuple[list[Cell], str]:
    """'行政许可 97' or '一、本年新收… 3001 53 0 0 61 4 3119': numbers after a label, single-spaced."""
    out: list[Cell] = []
    split = False
    for c in cells:
        if not _SPACE.search(c.text):  # one word (cells are stripped): nothing to split
            out.append(c)
            continue
        toks = list(_TOKEN.finditer(c.text))
        k = len(toks)
        while (k > 0 and _NUM_TOKEN.match(toks[k - 1].group())) or (k > 0 and toks[k - 1].group() in _DASHES):
            k -= 1
        if k == len(toks) or (k == 0 and len(toks) == 1):
            out.append(c)
            continue
        split = True
        base = c.span[0]
        if k > 0:
            out.append(Cell(text=c.text[: toks[k - 1].end()], span=(base, base + toks[k - 1].end())))
        for tk in toks[k:]:
            out.append(Cell(text=tk.group(), span=(base + tk.start(), base + tk.end())))
    return out, ("split_trailing_numbers" if split else how)


def build(text: str, region: Region) -> Grid:
    """The region's lines as rows of cells, furniture and separators dropped, one-cell-per-line rejoined."""
    src = lines(text, region.start, region.end, squash=False)
    rows: list[Row] = []
    repairs: list[str] = []
    hows: dict[str, int] = {}
    for i, line in enumerate(src):
        stripped = line.text.strip()
        if not stripped:
            rows.append(Row(cells=[], line=i))  # kept as a marker: blank lines separate one-cell-per-line rows
            continue
        if "--" in stripped and _SEPARATOR.match(line.text):
            repairs.append("drop_separator")
            continue
        if len(stripped) <= 24 and _FURNITURE.match(line.text):  # page numbers and footers are short
            repairs.append(f"drop_page_furniture:{stripped}")
            continue
        cells, how = split_line(line)
        hows[how] = hows.get(how, 0) + 1
        rows.append(Row(cells=cells, line=i, repairs=[how] if how != "line" else [], start=line.start))
    layout = max(hows, key=lambda k: hows[k]) if hows else "empty"
    if _one_cell_per_line(rows):
        rows = _join_cell_lines(rows)
        layout = "one-cell-per-line"
        repairs.append("join_cell_lines")
    rows = [r for r in rows if r.cells]
    return Grid(region=region.name, layout=layout, rows=rows, repairs=_dedupe(repairs))


def _dedupe(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for it in items:
        seen.setdefault(it, None)
    return list(seen)


def _one_cell_per_line(rows: list[Row]) -> bool:
    filled = [r for r in rows if r.cells]
    single = [r for r in filled if sum(1 for c in r.cells if c.text) <= 1]
    numbers = [r for r in single if any(parse_value(c.text).kind == "number" for c in r.cells)]
    return len(filled) >= 8 and len(single) >= 0.8 * len(filled) and len(numbers) >= 4


def _join_cell_lines(rows: list[Row]) -> list[Row]:
    """Consecutive non-blank lines form one row; blank lines end it (seed 002's layout)."""
    out: list[Row] = []
    cur: list[Cell] = []
    first = 0
    for r in rows + [Row(cells=[], line=-1)]:
        if not r.cells:
            if cur:
                out.append(Row(cells=cur, line=first, repairs=["join_cell_lines"]))
            cur = []
            continue
        if not cur:
            first = r.line
        texts = [c for c in r.cells if c.text]
        cur.extend(texts or [Cell(text="", span=r.cells[0].span)])
    return out


# --- rows as label + values --------------------------------------------------------------------------


@dataclass
class DataRow:
    """A row split into its label (leading text cells) and its value cells."""

    row: Row
    label_cells: list[Cell]
    value_cells: list[Cell]
    before: list[Row]  # label-only rows just before it (fragments that may open its label)
    after: list[Row]  # label-only rows just after it (fragments that may close its label)
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # derived label forms, computed once

    @property
    def label(self) -> str:
        return "".join(c.text for c in self.label_cells)

    @property
    def mixed(self) -> bool:
        """A number stands among the label words ('行政许可 3867 其中网上办理 120'): which number is the value
        is not determined by position."""
        return any(parse_value(c.text).kind == "number" for c in self.label_cells)



def split_row(row: Row) -> tuple[list[Cell], list[Cell]]:
    """Label cells are those up to the last text cell; the rest are values."""
    last_text = -1
    for i, c in enumerate(row.cells):
        if c.text and not is_valueish(c.text):
            last_text = i
    return row.cells[: last_text + 1], row.cells[last_text + 1 :]


_LETTERS = frozenset(NUMBERING_LETTERS)


def _numbers_the_columns(nums: list[int]) -> bool:
    """1 2 3 … n, or 1…k printed again for each group of columns (四: 1–5 three times)."""
    k = nums.index(1, 1) if 1 in nums[1:] else len(nums)
    return k >= 3 and len(nums) % k == 0 and nums == list(range(1, k + 1)) * (len(nums) // k)


def numbering_row(row: Row) -> bool:
    """A 栏次 row: it numbers the columns (and 甲 乙 丙 the label columns) under a table's header; it is not data.

    Labelled 栏次 (or only 甲 乙 丙), any run of consecutive numbers; unlabelled, 1…n or 1…k repeated per group
    (at least three columns: a data row of three counts 1 2 3 is possible in 二, where rows are labelled)."""
    words: list[str] = []
    nums: list[int] = []
    for cell in row.cells:
        if not cell.text.strip():
            continue
        v = parse_value(cell.text)
        if v.kind != "number":
            t = _SPACE.sub("", cell.text)
            if not (any(w in t for w in NUMBERING_WORDS) or set(t) <= _LETTERS):
                return False  # a label (the common case: decided on the row's first cell)
            words.append(t)
        elif isinstance(v.value, int):
            nums.append(v.value)
        else:
            return False  # a decimal number: not a column's number
    if not nums:
        return len(words) >= 2 and all(set(t) <= _LETTERS for t in words)
    if words:
        return nums == list(range(nums[0], nums[0] + len(nums))) or _numbers_the_columns(nums)
    return _numbers_the_columns(nums)


def data_rows(grid: Grid, structured: bool = False) -> list[DataRow]:
    """Rows that hold at least one number, with the label-only rows around them kept as fragments.

    In a structured table (HTML, DOCX) a labelled row whose cells are all blank is a real row of blanks; in
    text, such a row is the tail of a wrapped label (seed 000's 「于行政 执法案 卷」 followed by tabs). A 栏次 row
    is neither (see :func:`numbering_row`): it is dropped, and the grid names the repair."""
    out: list[DataRow] = []
    pending: list[Row] = []
    for row in grid.rows:
        if numbering_row(row):
            if "skip_numbering_row" not in grid.repairs:
                grid.repairs.append("skip_numbering_row")
            continue
        labels, values = split_row(row)
        blank_row = structured and labels and len(values) >= 2 and all(not c.text for c in values)
        kinds = [parse_value(c.text).kind for c in values]
        dash_row = labels and kinds.count("dash") >= 2  # a row printed all "—" is a row of zeros, not a label
        # numbers followed by an unreadable cell ('68(a)'): a data row nobody can place, never a label fragment
        numeric_label = sum(1 for c in labels if parse_value(c.text).kind == "number") >= 3
        if blank_row or dash_row or numeric_label or "number" in kinds:
            if out:
                out[-1].after = list(pending)
            out.append(DataRow(row, labels, values, list(pending), []))
            pending = []
        elif any(c.text for c in row.cells):
            pending.append(row)
    if out:
        out[-1].after = list(pending)
    return out


def trim(values: list[Cell], width: int) -> list[Cell]:
    """Drop blank cells at the ends while there are more cells than columns (tabs before and after a row)."""
    vals = list(values)
    while len(vals) > width and vals and not vals[-1].text:
        vals.pop()
    while len(vals) > width and vals and not vals[0].text:
        vals.pop(0)
    return vals
