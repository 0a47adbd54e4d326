"""PDF → Document from the text layer, with page and box for every piece of text (pdfplumber; see
benchmarks/pdf_libs.md for why not pypdfium2).

Ruled tables are read from their ruling lines (``page.find_tables``): a cell's characters are its text, however
the PDF wraps them, so a label broken over three lines or a vertical one-character-per-line group label stays one
cell, and the giar span rule (rowspan repeated, colspan once) gives every data row its labels. Text outside the
ruled tables is rebuilt into lines by position; a line with wide gaps becomes a row of cells (unruled tables),
other lines are joined back into paragraphs. Page furniture (page numbers, running headers/footers) is dropped
and a table cut by a page break continues as one table, its split group labels joined again.

Boxes are ``(x0, top, x1, bottom)`` in PDF points from the page's top-left corner (pdfplumber's convention);
pages count from 1.
"""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional, Union

import pdfplumber

from ..model import Document, Finding
from ..status import FindingKind
from ..template import LABEL_ORDINAL, PDF_PAGE_NUMBER, PDF_VALUE
from ._layout import Block, Piece, Span, assemble, expand, is_cjk, join_pieces
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


def _size(ch: dict) -> float:
    return float(ch.get("size") or (ch["bottom"] - ch["top"]) or 10.0)


def _center_in(ch: dict, box: Box, pad: float = 0.0) -> bool:
    cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    return box[0] - pad <= cx <= box[2] + pad and box[1] - pad <= cy <= box[3] + pad


def _bbox(chars: list[dict]) -> Box:
    return (
        round(min(c["x0"] for c in chars), 2),
        round(min(c["top"] for c in chars), 2),
        round(max(c["x1"] for c in chars), 2),
        round(max(c["bottom"] for c in chars), 2),
    )


def _group_lines(chars: list[dict]) -> list[list[dict]]:
    """Characters into visual lines, top to bottom, each sorted left to right.

    A character joins a line when its vertical middle is within 0.45 of the smaller font size of the line's
    middle: a 9pt label and a 14pt number on one table row stay together, two text lines never merge.
    """
    upright = [c for c in chars if c.get("upright", True)]
    rotated = [c for c in chars if not c.get("upright", True)]
    lines: list[tuple[float, float, list[dict]]] = []  # (middle, size, chars)
    for ch in sorted(upright, key=lambda c: ((c["top"] + c["bottom"]) / 2, c["x0"])):
        mid, size = (ch["top"] + ch["bottom"]) / 2, _size(ch)
        if lines and abs(lines[-1][0] - mid) <= 0.45 * min(size, lines[-1][1]):
            lines[-1][2].append(ch)
        else:
            lines.append((mid, size, [ch]))
    out = [sorted(cs, key=lambda c: c["x0"]) for _, _, cs in lines]
    if rotated:  # text set sideways: keep the PDF's own order, one line per run of rotated text
        out.append(rotated)
        out.sort(key=lambda cs: min(c["top"] for c in cs))
    return out


def _gap(a: dict, b: dict) -> float:
    return b["x0"] - a["x1"]


def _words(line: list[dict]) -> list[list[dict]]:
    """A line's characters split where a space would be printed, and where CJK meets non-CJK, so a number in
    running text ("收到申请859件") gets a box of its own."""
    words: list[list[dict]] = []
    for ch in line:
        if words:
            prev = words[-1][-1]
            if _gap(prev, ch) <= WORD_GAP * _size(ch) and is_cjk(prev["text"][-1]) == is_cjk(ch["text"][0]):
                words[-1].append(ch)
                continue
        words.append([ch])
    return words


def _pieces(line: list[dict], page: int) -> list[Piece]:
    """One visual line as pieces of text with boxes; spaces only where visible and not between CJK."""
    out: list[Piece] = []
    prev_word: Optional[list[dict]] = None
    for word in _words(line):
        text = normalize("".join(c["text"] for c in word))
        if prev_word is not None:
            spaced = _gap(prev_word[-1], word[0]) > WORD_GAP * _size(word[0])
            sep = join_pieces(out[-1].text, text) if spaced else ""
            if sep:
                out.append(Piece(sep))
        out.append(Piece(text, page, _bbox(word)))
        prev_word = word
    return out


def _text_of(chars: list[dict]) -> str:
    """The text of a table cell: its lines joined by the giar rule (nothing between CJK, else a space)."""
    text = ""
    for line in _group_lines(chars):
        s = "".join(p.text for p in _pieces(line, 0))
        text += join_pieces(text, s) + s
    return text


def _split_cells(line: list[dict]) -> list[list[dict]]:
    """An unruled table row: split where the gap is wider than CELL_GAP font sizes.

    A letter-spaced title (每 个 字 隔 开) also has wide gaps: if every piece would be one CJK character, it is
    one line of text, not a row.
    """
    cells = [[line[0]]]
    for a, b in zip(line, line[1:]):
        if _gap(a, b) > CELL_GAP * max(_size(a), _size(b)):
            cells.append([b])
        else:
            cells[-1].append(b)
    if len(cells) > 2 and all(len(c) == 1 and is_cjk(c[0]["text"][0]) for c in cells):
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
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


def _table(table, chars: list[dict], page: int) -> tuple[Optional[PdfTable], list[dict]]:
    """A found table as grid rows of cells, and the characters it did not take.

    Row and column lines are the distinct cell edges, so a merged cell's spans come from its own edges; a
    "table" of one column is a boxed or shaded paragraph, left to the text lines.
    """
    boxes: list[Box] = [tuple(c) for c in table.cells]
    xs = _edges([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _edges([b[1] for b in boxes] + [b[3] for b in boxes])
    if len(xs) < 3 or len(ys) < 2:
        return None, chars
    taken: set[int] = set()
    spans: list[Span[CellVal]] = []
    for box in boxes:
        inside = [c for c in chars if id(c) not in taken and _center_in(c, box)]
        taken.update(id(c) for c in inside)
        c0, c1 = _index(xs, box[0]), _index(xs, box[2])
        r0, r1 = _index(ys, box[1]), _index(ys, box[3])
        if c1 <= c0 or r1 <= r0:
            continue
        bbox = tuple(round(v, 2) for v in box)
        spans.append(Span(r0, c0, r1 - r0, c1 - c0, CellVal(_text_of(inside), page, bbox)))  # type: ignore[arg-type]
    covered = {(s.row + dr, s.col + dc) for s in spans for dr in range(s.rowspan) for dc in range(s.colspan)}
    for r in range(len(ys) - 1):  # a slot no cell covers: a cell whose border the PDF did not draw
        for c in range(len(xs) - 1):
            if (r, c) in covered:
                continue
            box = (xs[c], ys[r], xs[c + 1], ys[r + 1])
            inside = [ch for ch in chars if id(ch) not in taken and _center_in(ch, box)]
            if inside:
                taken.update(id(ch) for ch in inside)
                bbox = tuple(round(v, 2) for v in box)
                spans.append(Span(r, c, 1, 1, CellVal(_text_of(inside), page, bbox)))  # type: ignore[arg-type]
    rows = expand(spans, len(ys) - 1)
    rest = [c for c in chars if id(c) not in taken]
    return PdfTable(page, rows, tuple(round(v, 2) for v in table.bbox)), rest


def _is_white(color) -> bool:
    if not isinstance(color, (tuple, list)) or not color or not all(isinstance(v, (int, float)) for v in color):
        return False
    if len(color) == 4:  # CMYK: white is no ink
        return all(v <= 0.05 for v in color)
    return all(v >= 0.95 for v in color)


def _visible(obj: dict) -> bool:
    """Keep every object but white, unstroked rectangles: Word/WPS paint one behind each line of text, and their
    edges would make paragraphs look like a one-column table joined to the real one."""
    if obj.get("object_type") != "rect" or obj.get("stroke"):
        return True
    return not _is_white(obj.get("non_stroking_color"))


def _closing_lines(edges: list[dict]) -> list[dict]:
    """Horizontal lines to close a table that a page break cut open.

    Word draws no bottom border where a table breaks across pages, nor a top border where it resumes: the last
    row of the page (and a tall merged label above it) then has no closing edge and is lost to the table. Where
    two or more vertical rules end together at the lowest (or start at the highest) point and no horizontal rule
    is there, one is drawn between them.
    """
    vertical = [e for e in edges if e["orientation"] == "v" and e["height"] > 5]
    horizontal = [e for e in edges if e["orientation"] == "h"]
    out = []
    for end, pick in (("bottom", max), ("top", min)):
        if len(vertical) < 2:
            break
        y = pick(e[end] for e in vertical)
        at = [e for e in vertical if abs(e[end] - y) <= EDGE_TOL]
        if len(at) < 2:
            continue
        x0, x1 = min(e["x0"] for e in at), max(e["x1"] for e in at)
        if any(abs(h["top"] - y) <= EDGE_TOL and h["x0"] <= x0 + EDGE_TOL and h["x1"] >= x1 - EDGE_TOL
               for h in horizontal):
            continue
        out.append({"object_type": "line", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0,
                    "height": 0.0})
    return out


def _page_items(page) -> PageItems:
    """Tables and text lines of one page, top to bottom."""
    page = page.dedupe_chars()
    chars = [c for c in page.chars if c["text"].strip()]
    out = PageItems(page.page_number, float(page.height), chars=len(chars), images=len(page.images))
    if not chars:
        return out
    rest = chars
    ruled = page.filter(_visible)
    for found in ruled.find_tables({"explicit_horizontal_lines": _closing_lines(ruled.edges)}):
        tbl, rest = _table(found, rest, page.page_number)
        if tbl is not None and any(s is not None and s.value.text for row in tbl.rows for s in row):
            out.items.append(tbl)
    for line in _group_lines(rest):
        cells = _split_cells(line)
        pieces = [_pieces(c, page.page_number) for c in cells]
        size = statistics.median(_size(c) for c in line)
        out.items.append(TextLine(page.page_number, pieces, _bbox(line), size))
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
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_page_items(page) for page in pdf.pages]
    except Exception as exc:  # pdfminer raises many types for damaged or encrypted files
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
