"""PDF → Document from the text layer, with page and box for every piece of text.

PDFium (pypdfium2) reads each page's characters and the paths it paints (``_pdfium``); the ruled tables are found
from the paths' edges with pdfplumber's rules and tolerances (``_ruled``): a cell's characters are its text,
however the PDF wraps them, so a label broken over three lines or a vertical one-character-per-line group label
stays one cell, and the giar span rule (rowspan repeated, colspan once) gives every data row its labels. Text
outside the ruled tables is rebuilt into lines by position; a line with wide gaps becomes a row of cells (unruled
tables), other lines are joined back into paragraphs. Page furniture (page numbers, running headers/footers) is
dropped and a table cut by a page break continues as one table, its split group labels joined again.

Boxes are ``(x0, top, x1, bottom)`` in PDF points from the page's top-left corner, characters boxed as pdfminer
boxed them (the reader ran on pdfplumber before: benchmarks/pdf_speed.py times both); pages count from 1.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Optional, Union

from ..model import Document, Finding
from ..status import FindingKind
from ..template import LABEL_ORDINAL, PDF_PAGE_NUMBER, PDF_VALUE
from ._layout import Block, Piece, Span, assemble, expand, is_cjk, join_pieces
from ._pdfium import Char, HEdge, PageContent, VEdge, open_pdf, read_page
from ._ruled import Table, find_tables
from .text import normalize

Box = tuple[float, float, float, float]

EDGE_TOL = 2.0  # points: cell edges closer than this are one grid line
WORD_GAP = 0.25  # x gap (in font sizes) that is a space between words
CELL_GAP = 1.0  # x gap (in font sizes) that separates cells of an unruled table row
MARGIN = 0.1  # fraction of the page height at top and bottom where furniture lives

_PAGE_NO = re.compile(PDF_PAGE_NUMBER)
_VALUE = re.compile(PDF_VALUE)
_ORDINAL = re.compile(LABEL_ORDINAL)


# --- characters to text ---------------------------------------------------------------------------------


def _center_in(ch: Char, box: Box, pad: float = 0.0) -> bool:
    cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
    return box[0] - pad <= cx <= box[2] + pad and box[1] - pad <= cy <= box[3] + pad


_X0, _TOP, _X1, _BOTTOM = attrgetter("x0"), attrgetter("top"), attrgetter("x1"), attrgetter("bottom")


def _bbox(chars: list[Char]) -> Box:
    return (
        round(min(map(_X0, chars)), 2),
        round(min(map(_TOP, chars)), 2),
        round(max(map(_X1, chars)), 2),
        round(max(map(_BOTTOM, chars)), 2),
    )


def _middle_x0(c: Char) -> tuple[float, float]:
    return c.top + c.bottom, c.x0  # twice the middle: ordered as the middle, without a division


def _group_lines(chars: list[Char]) -> list[list[Char]]:
    """Characters into visual lines, top to bottom, each sorted left to right.

    A character joins a line when its vertical middle is within 0.45 of the smaller font size of the line's
    middle: a 9pt label and a 14pt number on one table row stay together, two text lines never merge.
    """
    if all(c.upright for c in chars):
        upright, rotated = chars, []
    else:
        upright = [c for c in chars if c.upright]
        rotated = [c for c in chars if not c.upright]
    out: list[list[Char]] = []
    line: list[Char] = []
    line_mid = line_size = 0.0  # the middle and font size of the line's first character
    for ch in sorted(upright, key=_middle_x0):  # by middle, then x0, then as given (a stable sort)
        mid = (ch.top + ch.bottom) / 2
        size = ch.size
        if line and abs(line_mid - mid) <= 0.45 * (size if size < line_size else line_size):
            line.append(ch)
        else:
            line = [ch]
            out.append(line)
            line_mid, line_size = mid, size
    out = [sorted(cs, key=_X0) for cs in out]
    if rotated:  # text set sideways: keep the PDF's own order, one line per run of rotated text
        out.append(rotated)
        out.sort(key=lambda cs: min(c.top for c in cs))
    return out


_CJK_OF: dict[str, bool] = {}  # is_cjk of each one-character text seen: a page repeats its characters


def _words(line: list[Char]) -> list[list[Char]]:
    """A line's characters split where a space would be printed, and where CJK meets non-CJK, so a number in
    running text ("收到申请859件") gets a box of its own."""
    words: list[list[Char]] = []
    word: list[Char] = []
    prev_x1 = 0.0
    prev_cjk = False  # is the last character of the previous one CJK
    cjk_of = _CJK_OF
    for ch in line:
        text = ch.text
        cjk = cjk_of.get(text)
        if cjk is None:
            cjk = is_cjk(text[0])
            if len(text) == 1:
                cjk_of[text] = cjk
        if words and ch.x0 - prev_x1 <= WORD_GAP * ch.size and prev_cjk == cjk:
            word.append(ch)
        else:
            word = [ch]
            words.append(word)
        prev_x1, prev_cjk = ch.x1, cjk if len(text) == 1 else is_cjk(text[-1])
    return words


def _spelled(line: list[Char]) -> list[tuple[list[Char], str, str]]:
    """A line's words, each with its text and the separator printed before it: a space only where a gap is
    visible and not between CJK."""
    out: list[tuple[list[Char], str, str]] = []
    prev: Optional[list[Char]] = None
    prev_text = ""
    for word in _words(line):
        text = normalize("".join([c.text for c in word]))
        spaced = prev is not None and word[0].x0 - prev[-1].x1 > WORD_GAP * word[0].size
        out.append((word, text, join_pieces(prev_text, text) if spaced else ""))
        prev, prev_text = word, text
    return out


def _pieces(line: list[Char], page: int) -> list[Piece]:
    """One visual line as pieces of text with boxes, one per word."""
    out: list[Piece] = []
    for word, text, sep in _spelled(line):
        if sep:
            out.append(Piece(sep))
        out.append(Piece(text, page, _bbox(word)))
    return out


def _line_text(line: list[Char]) -> str:
    """The text of one line, as ``_spelled`` spells it, without its words: only a visible gap can put a space
    between two characters (a CJK/non-CJK boundary without one splits words but adds nothing)."""
    cuts = [k for k in range(1, len(line)) if line[k].x0 - line[k - 1].x1 > WORD_GAP * line[k].size]
    if not cuts:  # most cells: one run of characters
        return normalize("".join([c.text for c in line]))
    text = ""
    start = 0
    for k in cuts + [len(line)]:
        chunk = normalize("".join([c.text for c in line[start:k]]))
        text += join_pieces(text, chunk) + chunk
        start = k
    return text


def _text_of(chars: list[Char]) -> str:
    """The text of a table cell: its lines joined by the giar rule (nothing between CJK, else a space)."""
    if len(chars) <= 1:
        return normalize(chars[0].text) if chars else ""
    first = chars[0]
    top, bottom = first.top, first.bottom
    for c in chars:
        if c.top != top or c.bottom != bottom or not c.upright:
            break
    else:  # one line, one font
        return _line_text(sorted(chars, key=_X0))
    text = ""
    for line in _group_lines(chars):
        s = _line_text(line)
        text += join_pieces(text, s) + s
    return text


def _split_cells(line: list[Char]) -> list[list[Char]]:
    """An unruled table row: split where the gap is wider than CELL_GAP font sizes.

    A letter-spaced title (每 个 字 隔 开) also has wide gaps: if every piece would be one CJK character, it is
    one line of text, not a row.
    """
    cell = [line[0]]
    cells = [cell]
    for a, b in zip(line, line[1:]):
        if b.x0 - a.x1 > CELL_GAP * (a.size if a.size > b.size else b.size):
            cell = [b]
            cells.append(cell)
        else:
            cell.append(b)
    if len(cells) > 2 and all(len(c) == 1 and is_cjk(c[0].text[0]) for c in cells):
        return [line]
    return cells


# --- page items -----------------------------------------------------------------------------------------


@dataclass
class CellVal:
    text: str
    page: int
    bbox: Box


@dataclass
class TextLine:
    page: int
    cells: list[list[Piece]]  # one entry: a text line; more: a row of an unruled table
    bbox: Box
    size: float

    @property
    def plain(self) -> str:
        return "\t".join("".join(p.text for p in c) for c in self.cells)


@dataclass
class PdfTable:
    page: int
    rows: list[list[Optional[Span[CellVal]]]]
    bbox: Box


Item = Union[TextLine, PdfTable]


@dataclass
class PageItems:
    number: int
    height: float
    items: list[Item] = field(default_factory=list)
    chars: int = 0
    images: int = 0


def _edges(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > EDGE_TOL:
            out.append(v)
    return out


def _index(edges: list[float], v: float) -> int:
    """The nearest of the sorted ``edges`` to ``v`` (the first of two as near)."""
    i = bisect_left(edges, v)
    if i == 0:
        return 0
    if i == len(edges) or v - edges[i - 1] <= edges[i] - v:
        return i - 1
    return i


def _slots(lines: list[float], v: float) -> list[int]:
    """The slots between sorted ``lines`` whose closed interval holds ``v``: one, or two where ``v`` is a line."""
    i = bisect_right(lines, v) - 1
    return [k for k in (i - 1, i) if 0 <= k < len(lines) - 1 and lines[k] <= v <= lines[k + 1]]


class _Owners:
    """Which of a table's cells holds a point, by lookup on the sorted cell edges rather than by testing every
    cell: the distinct edge positions cut the table into slots, each slot owned by the first cell (in the table's
    order) that covers it. A point on a border belongs to the first cell whose closed box holds it."""

    def __init__(self, boxes: list[Box]):
        self.xs = sorted({v for b in boxes for v in (b[0], b[2])})
        self.ys = sorted({v for b in boxes for v in (b[1], b[3])})
        col = {x: i for i, x in enumerate(self.xs)}
        row = {y: i for i, y in enumerate(self.ys)}
        self.width = width = len(self.xs) - 1  # slots in a row
        owner: list[Optional[int]] = [None] * (width * (len(self.ys) - 1))  # slot (r, c) at r * width + c
        for k, (x0, top, x1, bottom) in enumerate(boxes):
            c0, c1 = col[x0], col[x1]
            for r in range(row[top], row[bottom]):
                at = r * width
                for slot in range(at + c0, at + c1):
                    if owner[slot] is None:
                        owner[slot] = k
        self.owner = owner

    def find(self, x: float, y: float) -> Optional[int]:
        owner, width = self.owner, self.width
        found = [k for r in _slots(self.ys, y) for c in _slots(self.xs, x) if (k := owner[r * width + c]) is not None]
        return min(found) if found else None

    def assign(self, chars: list[Char], n: int) -> tuple[list[list[Char]], list[Char], list[Char]]:
        """The characters of each of the ``n`` cells (by the centre of each character), the characters in the
        table's box but in no cell, and those outside it (in their order)."""
        xs, ys, owner, width, find = self.xs, self.ys, self.owner, self.width, self.find
        x0, top, x1, bottom = xs[0], ys[0], xs[-1], ys[-1]
        last_row = len(ys) - 1
        inside: list[list[Char]] = [[] for _ in range(n)]
        stray: list[Char] = []  # in the table's box but in no cell: a slot whose cell the PDF did not draw
        rest: list[Char] = []
        keep = rest.append
        for ch in chars:
            cy = (ch.top + ch.bottom) / 2
            if not top <= cy <= bottom:  # most characters outside a table are above or below it
                keep(ch)
                continue
            cx = (ch.x0 + ch.x1) / 2
            if not x0 <= cx <= x1:
                keep(ch)
                continue
            c, r = bisect_right(xs, cx) - 1, bisect_right(ys, cy) - 1
            if c < width and r < last_row and xs[c] < cx and ys[r] < cy:  # inside one slot
                k = owner[r * width + c]
            else:  # on an edge: the first cell whose closed box holds it
                k = find(cx, cy)
            if k is not None:
                inside[k].append(ch)
            else:
                stray.append(ch)
        return inside, stray, rest


def _table(table: Table, chars: list[Char], page: int) -> tuple[Optional[PdfTable], list[Char]]:
    """A found table as grid rows of cells, and the characters it did not take.

    Row and column lines are the distinct cell edges, so a merged cell's spans come from its own edges; a
    "table" of one column is a boxed or shaded paragraph, left to the text lines. Each character goes to the cell
    that holds its centre, found from the sorted edges.
    """
    boxes = table.cells
    owners = _Owners(boxes)
    xs, ys = _edges(owners.xs), _edges(owners.ys)
    if len(xs) < 3 or len(ys) < 2:
        return None, chars
    inside, stray, rest = owners.assign(chars, len(boxes))
    spans = _spans(boxes, inside, owners, xs, ys, page)
    if stray:
        loose, left_over = _loose_cells(stray, spans, xs, ys, page)
        if left_over:  # back in the page's order
            taken = {id(ch) for cell_chars in (*inside, *loose) for ch in cell_chars}
            rest = [ch for ch in chars if id(ch) not in taken]
    rows = expand(spans, len(ys) - 1)
    x0, top, x1, bottom = owners.xs[0], owners.ys[0], owners.xs[-1], owners.ys[-1]  # the table's box
    return PdfTable(page, rows, (round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2))), rest


def _spans(boxes: list[Box], inside: list[list[Char]], owners: _Owners, xs: list[float], ys: list[float],
           page: int) -> list[Span[CellVal]]:
    """The cells on the grid of row and column lines ``ys`` and ``xs``, with their text; each distinct edge is
    placed (and rounded) once, not once per cell that has it."""
    col = {v: _index(xs, v) for v in owners.xs}
    row = {v: _index(ys, v) for v in owners.ys}
    at_x = {v: round(v, 2) for v in owners.xs}
    at_y = {v: round(v, 2) for v in owners.ys}
    spans: list[Span[CellVal]] = []
    for (x0, top, x1, bottom), cell_chars in zip(boxes, inside):
        c0, c1, r0, r1 = col[x0], col[x1], row[top], row[bottom]
        if c1 <= c0 or r1 <= r0:  # a sliver between two edges closer than EDGE_TOL: its characters go
            continue
        bbox = (at_x[x0], at_y[top], at_x[x1], at_y[bottom])
        spans.append(Span(r0, c0, r1 - r0, c1 - c0, CellVal(_text_of(cell_chars), page, bbox)))
    return spans


def _loose_cells(stray: list[Char], spans: list[Span[CellVal]], xs: list[float], ys: list[float],
                 page: int) -> tuple[list[list[Char]], bool]:
    """Characters in a table's box but in no drawn cell, as one-slot cells added to ``spans`` where no cell covers
    their slot; their characters, and whether any character was left in no cell at all."""
    covered = {(s.row + dr, s.col + dc) for s in spans for dr in range(s.rowspan) for dc in range(s.colspan)}
    loose: dict[tuple[int, int], list[Char]] = {}
    left_over = False
    for ch in stray:
        cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
        free = [(r, c) for r in _slots(ys, cy) for c in _slots(xs, cx) if (r, c) not in covered]
        if free:
            loose.setdefault(min(free), []).append(ch)
        else:
            left_over = True
    for (r, c), cell_chars in sorted(loose.items()):
        bbox = (round(xs[c], 2), round(ys[r], 2), round(xs[c + 1], 2), round(ys[r + 1], 2))
        spans.append(Span(r, c, 1, 1, CellVal(_text_of(cell_chars), page, bbox)))
    return list(loose.values()), left_over


_START, _END = itemgetter(1), itemgetter(2)


def _closing_lines(horizontal: list[HEdge], vertical: list[VEdge]) -> list[HEdge]:
    """Horizontal lines to close a table that a page break cut open.

    Word draws no bottom border where a table breaks across pages, nor a top border where it resumes: the last
    row of the page (and a tall merged label above it) then has no closing edge and is lost to the table. Where
    two or more vertical rules end together at the lowest (or start at the highest) point and no horizontal rule
    is there, one is drawn between them.
    """
    vertical = [e for e in vertical if e[2] - e[1] > 5]
    if len(vertical) < 2:
        return []
    ends: list[HEdge] = []  # where two or more rules end (start) together, lowest (highest) first
    y = max(map(_END, vertical))
    at = [e[0] for e in vertical if e[2] - y >= -EDGE_TOL]  # none ends below the lowest end
    if len(at) >= 2:
        ends.append((y, min(at), max(at)))
    y = min(map(_START, vertical))
    at = [e[0] for e in vertical if e[1] - y <= EDGE_TOL]
    if len(at) >= 2:
        ends.append((y, min(at), max(at)))
    if not ends:
        return []
    # the horizontal rules near either end, in one pass (the window is wider than EDGE_TOL: tested exactly below)
    (lo, hi), (lo2, hi2) = [(y - EDGE_TOL - 1, y + EDGE_TOL + 1) for y, _, _ in ends + ends[:1]][:2]
    near = [e for e in horizontal if lo <= e[0] <= hi or lo2 <= e[0] <= hi2]
    return [(y, x0, x1) for y, x0, x1 in ends
            if not any(-EDGE_TOL <= hy - y <= EDGE_TOL and hx0 <= x0 + EDGE_TOL and hx1 >= x1 - EDGE_TOL
                       for hy, hx0, hx1 in near)]


def _median(values: list[float]) -> float:
    """statistics.median, without its generality (a line has a few dozen sizes, and there are many lines)."""
    values.sort()
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def _page_items(content: PageContent) -> PageItems:
    """Tables and text lines of one page, top to bottom."""
    chars = content.chars
    out = PageItems(content.number, content.height, chars=len(chars), images=content.images)
    if not chars:
        return out
    rest = chars
    h, v = content.h_edges, content.v_edges
    for found in find_tables(h, v, _closing_lines(h, v)):
        tbl, rest = _table(found, rest, content.number)
        if tbl is not None and any(s is not None and s.value.text for row in tbl.rows for s in row):
            out.items.append(tbl)
    for line in _group_lines(rest):
        cells = _split_cells(line)
        pieces = [_pieces(c, content.number) for c in cells]
        size = _median([c.size for c in line])
        out.items.append(TextLine(content.number, pieces, _bbox(line), size))
    out.items.sort(key=lambda it: (it.bbox[1], it.bbox[0]))
    return out


# --- furniture ------------------------------------------------------------------------------------------


def _furniture_key(line: TextLine) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line.plain))


def _drop_furniture(pages: list[PageItems]) -> int:
    """Drop page numbers and running headers/footers: text lines in the top or bottom margin that are a page
    number, or that repeat (digits aside) on several pages."""
    def in_margin(it: Item, p: PageItems) -> bool:
        return it.bbox[3] <= p.height * MARGIN or it.bbox[1] >= p.height * (1 - MARGIN)

    counts: Counter[str] = Counter()
    for p in pages:
        keys = {_furniture_key(it) for it in p.items if isinstance(it, TextLine) and in_margin(it, p)}
        counts.update(keys)
    repeated = max(2, (len(pages) + 1) // 2)
    dropped = 0
    for p in pages:
        kept: list[Item] = []
        n = len(p.items)
        for i, it in enumerate(p.items):
            if isinstance(it, TextLine) and in_margin(it, p):
                plain = it.plain.replace("\t", " ")
                edge = i == 0 or i == n - 1
                if (_PAGE_NO.match(plain) and (edge or not plain.strip().isdigit())) or (
                    len(pages) > 1 and counts[_furniture_key(it)] >= repeated
                ):
                    dropped += 1
                    continue
            kept.append(it)
        p.items = kept
    return dropped


# --- joining across lines and pages -------------------------------------------------------------------


def _is_value(text: str) -> bool:
    return bool(_VALUE.match(text.strip()))


def _group_cells(row: list[Optional[Span[CellVal]]]) -> list[Span[CellVal]]:
    """The group-label cells of a row: label cells left of the first value that have another label to their
    right (so not the row's own label)."""
    labels: list[Span[CellVal]] = []
    for s in row:
        if s is None:
            continue
        if _is_value(s.value.text):
            break
        labels.append(s)
    return labels[:-1]


def _continue_table(head: PdfTable, a: PdfTable, b: PdfTable) -> None:
    """``b`` goes on ``a`` over a page break: drop a header row repeated from the table's ``head``, and mend
    group labels the break cut.

    A group label cell cut by the break prints its first part above the break ("（四）无") and the rest below
    ("法提供"), or nothing below (the tall "三、本年度办理结果" cell): the parts are joined into one label for the
    rows on both pages.
    """
    k = 0
    while (
        k < min(len(head.rows), len(b.rows) - 1)
        and _row_text(head.rows[k]) == _row_text(b.rows[k])
        and not all(_is_value(t) or not t for t in _row_text(b.rows[k]))
    ):
        k += 1
    b.rows = b.rows[k:]
    if not a.rows or not b.rows:
        return
    above = _group_cells(a.rows[-1])
    for cell in _group_cells(b.rows[0]):
        match = next(
            (s for s in above if abs(s.value.bbox[0] - cell.value.bbox[0]) <= EDGE_TOL * 2
             and abs(s.value.bbox[2] - cell.value.bbox[2]) <= EDGE_TOL * 2),
            None,
        )  # fmt: skip
        if match is None or not match.value.text or _is_value(match.value.text):
            continue
        if not cell.value.text:
            cell.value.text = match.value.text
        elif not _ORDINAL.match(cell.value.text):
            joined = match.value.text + join_pieces(match.value.text, cell.value.text) + cell.value.text
            match.value.text = cell.value.text = joined


def _row_text(row: list[Optional[Span[CellVal]]]) -> list[str]:
    return [s.value.text if s is not None else "" for s in row]


def _table_lines(t: PdfTable) -> list[list[Piece]]:
    return [[Piece(s.value.text, s.value.page, s.value.bbox) if s else Piece("") for s in row] for row in t.rows]


def _blocks(pages: list[PageItems]) -> list[Block]:
    """Items → blocks: consecutive unruled rows form a table, wrapped lines join back into paragraphs, and a
    table that ends one page and starts the next is one table."""
    blocks: list[Block] = []
    margins: dict[int, tuple[float, float]] = {}
    for p in pages:
        lines = [it for it in p.items if isinstance(it, TextLine) and len(it.cells) == 1]
        if lines:
            lefts = sorted(it.bbox[0] for it in lines)
            rights = sorted(it.bbox[2] for it in lines)
            margins[p.number] = (lefts[len(lefts) // 10], rights[-1 - len(rights) // 10])

    prev: Optional[Item] = None
    prev_last = False  # prev was the last item of its page
    for p in pages:
        for i, it in enumerate(p.items):
            first = i == 0
            turned = prev is not None and prev.page == it.page - 1 and prev_last and first
            same_flow = prev is not None and (turned or prev.page == it.page)
            if isinstance(it, PdfTable):
                if isinstance(prev, PdfTable) and turned and blocks and "tables" in blocks[-1].meta:
                    _continue_table(blocks[-1].meta["tables"][0], prev, it)
                    blocks[-1].meta["tables"].append(it)
                else:
                    blocks.append(Block("table", meta={"tables": [it]}))
            elif len(it.cells) > 1:
                row = [_cell_piece(c) for c in it.cells]
                unruled_before = isinstance(prev, TextLine) and len(prev.cells) > 1
                if unruled_before and same_flow and blocks and blocks[-1].kind == "table":
                    blocks[-1].lines.append(row)
                else:
                    blocks.append(Block("table", [row]))
            else:
                pieces = it.cells[0]
                if (isinstance(prev, TextLine) and len(prev.cells) == 1 and same_flow and blocks
                        and blocks[-1].kind == "para" and _continues(prev, it, margins, turned)):
                    line = blocks[-1].lines[-1]
                    sep = join_pieces(line[-1].text if line else "", pieces[0].text if pieces else "")
                    if sep:
                        line.append(Piece(sep))
                    line.extend(pieces)
                else:
                    blocks.append(Block("para", [list(pieces)]))
            prev, prev_last = it, i == len(p.items) - 1
    for b in blocks:
        if "tables" in b.meta:
            b.lines = [line for t in b.meta["tables"] for line in _table_lines(t)]
    return blocks


def _cell_piece(pieces: list[Piece]) -> Piece:
    """One cell of an unruled row: its words' text, with the box around them."""
    text = "".join(p.text for p in pieces)
    placed = [p for p in pieces if p.bbox is not None]
    if not placed:
        return Piece(text)
    boxes = [p.bbox for p in placed if p.bbox is not None]
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    return Piece(text, placed[0].page, box)


def _continues(a: TextLine, b: TextLine, margins: dict[int, tuple[float, float]], turned: bool) -> bool:
    """Does line ``b`` carry on the paragraph of line ``a``? Yes when ``a`` runs to the right margin, ``b``
    starts at the left margin (no first-line indent) and no blank space lies between them."""
    size = max(a.size, b.size)
    _, right = margins.get(a.page, (a.bbox[0], a.bbox[2]))
    left, _ = margins.get(b.page, (b.bbox[0], b.bbox[2]))
    if a.bbox[2] < right - 1.5 * size or b.bbox[0] > left + 0.5 * size:
        return False
    return turned or b.bbox[1] - a.bbox[3] <= 1.2 * size


# --- the reader -----------------------------------------------------------------------------------------


def read_pdf(data: bytes, source: str) -> Document:
    """Read the text layer of every page; a PDF without one (a scan) says so instead of returning noise."""
    findings: list[Finding] = []
    try:
        pdf = open_pdf(data)
        try:
            pages = [_page_items(read_page(pdf, i)) for i in range(len(pdf))]
        finally:
            pdf.close()
    except Exception as exc:  # PdfiumError for damaged, encrypted or non-PDF data, or a page PDFium cannot load
        message = f"cannot open PDF: {type(exc).__name__}: {exc}".rstrip(": ")
        return Document(source=source, format="pdf", text="", findings=[Finding(kind=FindingKind.FORMAT, message=message,
                                                                                 stage="read")])
    total = sum(p.chars for p in pages)
    if total < max(20, 5 * len(pages)):
        findings.append(Finding(kind=FindingKind.FORMAT, message="no text layer: scanned PDF; OCR it first", stage="read"))
    else:
        blank = [p.number for p in pages if p.chars == 0 and p.images]
        if blank:
            findings.append(Finding(kind=FindingKind.FORMAT, stage="read",
                                    message=f"pages {blank} have no text layer (scanned?); their content is missing"))
    _drop_furniture(pages)
    text, runs = assemble(_blocks(pages))
    return Document(source=source, format="pdf", text=text, runs=runs, findings=findings)
