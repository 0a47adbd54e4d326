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
import statistics
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter
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


def _bbox(chars: list[Char]) -> Box:
    return (
        round(min(c.x0 for c in chars), 2),
        round(min(c.top for c in chars), 2),
        round(max(c.x1 for c in chars), 2),
        round(max(c.bottom for c in chars), 2),
    )


_X0 = attrgetter("x0")


def _middle_x0(c: Char) -> tuple[float, float]:
    return ((c.top + c.bottom) / 2, c.x0)


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
    lines: list[tuple[float, float, list[Char]]] = []  # (middle, size, chars)
    for ch in sorted(upright, key=_middle_x0):
        mid, size = (ch.top + ch.bottom) / 2, ch.size
        if lines and abs(lines[-1][0] - mid) <= 0.45 * min(size, lines[-1][1]):
            lines[-1][2].append(ch)
        else:
            lines.append((mid, size, [ch]))
    out = [sorted(cs, key=_X0) for _, _, cs in lines]
    if rotated:  # text set sideways: keep the PDF's own order, one line per run of rotated text
        out.append(rotated)
        out.sort(key=lambda cs: min(c.top for c in cs))
    return out


def _gap(a: Char, b: Char) -> float:
    return b.x0 - a.x1


def _words(line: list[Char]) -> list[list[Char]]:
    """A line's characters split where a space would be printed, and where CJK meets non-CJK, so a number in
    running text ("收到申请859件") gets a box of its own."""
    words: list[list[Char]] = []
    for ch in line:
        if words:
            prev = words[-1][-1]
            if _gap(prev, ch) <= WORD_GAP * ch.size and is_cjk(prev.text[-1]) == is_cjk(ch.text[0]):
                words[-1].append(ch)
                continue
        words.append([ch])
    return words


def _spelled(line: list[Char]) -> list[tuple[list[Char], str, str]]:
    """A line's words, each with its text and the separator printed before it: a space only where a gap is
    visible and not between CJK."""
    out: list[tuple[list[Char], str, str]] = []
    prev: Optional[list[Char]] = None
    prev_text = ""
    for word in _words(line):
        text = normalize("".join(c.text for c in word))
        spaced = prev is not None and _gap(prev[-1], word[0]) > WORD_GAP * word[0].size
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
    text = ""
    start = 0
    for k in range(1, len(line) + 1):
        if k == len(line) or line[k].x0 - line[k - 1].x1 > WORD_GAP * line[k].size:
            chunk = normalize("".join(c.text for c in line[start:k]))
            text += join_pieces(text, chunk) + chunk
            start = k
    return text


def _text_of(chars: list[Char]) -> str:
    """The text of a table cell: its lines joined by the giar rule (nothing between CJK, else a space)."""
    if len(chars) <= 1:
        return normalize(chars[0].text) if chars else ""
    first = chars[0]
    if all(c.top == first.top and c.bottom == first.bottom and c.upright for c in chars):  # one line, one font
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
    cells = [[line[0]]]
    for a, b in zip(line, line[1:]):
        if _gap(a, b) > CELL_GAP * max(a.size, b.size):
            cells.append([b])
        else:
            cells[-1].append(b)
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
        self.owner: dict[tuple[int, int], int] = {}
        for k, (x0, top, x1, bottom) in enumerate(boxes):
            for r in range(row[top], row[bottom]):
                for c in range(col[x0], col[x1]):
                    self.owner.setdefault((r, c), k)

    def find(self, x: float, y: float) -> Optional[int]:
        found = [self.owner[(r, c)] for r in _slots(self.ys, y) for c in _slots(self.xs, x) if (r, c) in self.owner]
        return min(found) if found else None


def _table(table: Table, chars: list[Char], page: int) -> tuple[Optional[PdfTable], list[Char]]:
    """A found table as grid rows of cells, and the characters it did not take.

    Row and column lines are the distinct cell edges, so a merged cell's spans come from its own edges; a
    "table" of one column is a boxed or shaded paragraph, left to the text lines. Each character goes to the cell
    that holds its centre, found from the sorted edges.
    """
    boxes = table.cells
    xs = _edges([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _edges([b[1] for b in boxes] + [b[3] for b in boxes])
    if len(xs) < 3 or len(ys) < 2:
        return None, chars
    owners = _Owners(boxes)
    x0, top, x1, bottom = table.bbox
    inside: list[list[Char]] = [[] for _ in boxes]
    stray: list[Char] = []  # in the table's box but in no cell: a slot whose cell the PDF did not draw
    rest: list[Char] = []
    oxs, oys, owner = owners.xs, owners.ys, owners.owner
    last_col, last_row = len(oxs) - 1, len(oys) - 1
    for ch in chars:
        cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
        if not (x0 <= cx <= x1 and top <= cy <= bottom):
            rest.append(ch)
            continue
        c, r = bisect_right(oxs, cx) - 1, bisect_right(oys, cy) - 1
        if 0 <= c < last_col and 0 <= r < last_row and oxs[c] < cx and oys[r] < cy:  # inside one slot
            k = owner.get((r, c))
        else:  # on an edge: the first cell whose closed box holds it
            k = owners.find(cx, cy)
        if k is not None:
            inside[k].append(ch)
        else:
            stray.append(ch)
    spans: list[Span[CellVal]] = []
    for box, cell_chars in zip(boxes, inside):
        c0, c1 = _index(xs, box[0]), _index(xs, box[2])
        r0, r1 = _index(ys, box[1]), _index(ys, box[3])
        if c1 <= c0 or r1 <= r0:  # a sliver between two edges closer than EDGE_TOL: its characters go
            continue
        bbox = (round(box[0], 2), round(box[1], 2), round(box[2], 2), round(box[3], 2))
        spans.append(Span(r0, c0, r1 - r0, c1 - c0, CellVal(_text_of(cell_chars), page, bbox)))
    if stray:
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
        if left_over:  # back in the page's order
            taken = {id(ch) for cell_chars in (*inside, *loose.values()) for ch in cell_chars}
            rest = [ch for ch in chars if id(ch) not in taken]
    rows = expand(spans, len(ys) - 1)
    return PdfTable(page, rows, (round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2))), rest


def _closing_lines(horizontal: list[HEdge], vertical: list[VEdge]) -> list[HEdge]:
    """Horizontal lines to close a table that a page break cut open.

    Word draws no bottom border where a table breaks across pages, nor a top border where it resumes: the last
    row of the page (and a tall merged label above it) then has no closing edge and is lost to the table. Where
    two or more vertical rules end together at the lowest (or start at the highest) point and no horizontal rule
    is there, one is drawn between them.
    """
    vertical = [e for e in vertical if e[2] - e[1] > 5]
    out: list[HEdge] = []
    for end, pick in ((2, max), (1, min)):
        if len(vertical) < 2:
            break
        y = pick(e[end] for e in vertical)
        at = [e for e in vertical if abs(e[end] - y) <= EDGE_TOL]
        if len(at) < 2:
            continue
        x0, x1 = min(e[0] for e in at), max(e[0] for e in at)
        level = [e for e in horizontal if abs(e[0] - y) <= EDGE_TOL]
        if any(hx0 <= x0 + EDGE_TOL and hx1 >= x1 - EDGE_TOL for _, hx0, hx1 in level):
            continue
        out.append((y, x0, x1))
    return out


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
        size = statistics.median(c.size for c in line)
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
