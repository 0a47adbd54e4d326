"""What the structured readers (HTML, DOCX, PDF) share: cell text cleaning, span expansion, text assembly.

Every structured format ends as the same text grid (ARCHITECTURE.md): one line per paragraph, one line per table
row with cells joined by TAB, a blank line between blocks. Keeping the rules here makes the three readers agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Generic, Optional, TypeVar

from ..model import Mark
from .text import normalize

T = TypeVar("T")
_COL = attrgetter("col")

_WS = re.compile(r"\s+")


def is_cjk(ch: str) -> bool:
    """CJK ideographs, CJK punctuation, full-width forms and the curly quotes Chinese text uses."""
    o = ord(ch)
    if o < 0x2014:  # ASCII, Latin, digits: only the middle dot is below the first range
        return o == 0x00B7
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x3000 <= o <= 0x303F
        or 0xFF00 <= o <= 0xFFEF
        or 0x2E80 <= o <= 0x2FDF
        or 0xF900 <= o <= 0xFAFF
        or 0x2018 <= o <= 0x201F
        or o in (0x2014, 0x2026, 0x00B7)
        or 0x20000 <= o <= 0x2FA1F
    )


def clean(text: str) -> str:
    """One cell's (or paragraph line's) text on one line.

    A line break or space inside a cell is layout, not content: between two CJK characters it goes
    (``三、\\n本\\n年`` → ``三、本年``), elsewhere it becomes one space. ``&nbsp;`` only → empty.
    """
    text = normalize(text).replace("\u200b", "")
    text = text.strip()
    if not text:
        return ""

    def repl(m: re.Match[str]) -> str:
        a = text[m.start() - 1]
        b = text[m.end()] if m.end() < len(text) else ""
        if "\n" in m.group() and a.isdigit() and b.isdigit():
            return " / "  # two numbers stacked in one cell: never glued into one number
        return "" if b and is_cjk(a) and is_cjk(b) else " "

    return _WS.sub(repl, text)


def has_text(el: Any) -> bool:
    """Does an XML element (lxml) hold any text other than whitespace, at any depth?"""
    return any(t.strip() for t in el.itertext())


def join_pieces(a: str, b: str) -> str:
    """The separator that joins two pieces of one wrapped line: none between CJK, else a space."""
    if not a or not b:
        return ""
    return "" if is_cjk(a[-1]) and is_cjk(b[0]) else " "


@dataclass
class Span(Generic[T]):
    """One source cell placed on the grid."""

    row: int
    col: int
    rowspan: int
    colspan: int
    value: T


def place(rows: Sequence[Sequence[tuple[int, int, T]]]) -> list[Span[T]]:
    """Put HTML-style cells (rowspan, colspan, value per row, left to right) on grid positions.

    Each cell takes the first column its row leaves free after the rowspans of earlier rows, as browsers do.
    A rowspan is cut at the last row so a bad ``rowspan="30"`` cannot invent rows.
    """
    taken: set[tuple[int, int]] = set()
    spans: list[Span[T]] = []
    n = len(rows)
    for r, cells in enumerate(rows):
        c = 0
        for rowspan, colspan, value in cells:
            while (r, c) in taken:
                c += 1
            rowspan = max(1, min(rowspan if rowspan > 0 else n - r, n - r))
            colspan = max(1, min(colspan, 1000))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            spans.append(Span(r, c, rowspan, colspan, value))
            c += colspan
    return spans


def expand(spans: Iterable[Span[T]], n_rows: Optional[int] = None) -> list[list[Optional[Span[T]]]]:
    """Rows of the grid with the giar rule: a rowspan cell repeats in every row it covers, a colspan cell
    appears once. A hole inside a row (no cell covers it) stays as ``None`` so positions keep; trailing
    holes are dropped."""
    spans = list(spans)
    if n_rows is None:
        n_rows = max((s.row + s.rowspan for s in spans), default=0)
    by_row: list[list[Span[T]]] = [[] for _ in range(n_rows)]
    for s in spans:
        for r in range(s.row, min(s.row + s.rowspan, n_rows)):
            by_row[r].append(s)
    out: list[list[Optional[Span[T]]]] = []
    for cells in by_row:
        cells.sort(key=_COL)
        row: list[Optional[Span[T]]] = []
        col = 0
        for s in cells:
            start = s.col
            end = start + s.colspan
            if end <= col:  # overlapping cells from broken markup: keep the first
                continue
            if start > col:
                row.extend([None] * (start - col))
            row.append(s)
            col = end
        out.append(row)
    return out


# --- assembling the Document text -------------------------------------------------------------------------


@dataclass
class Piece:
    """A stretch of output text, optionally tied to a place on a PDF page, with the named repairs its reading
    needed (struck text skipped, a tracked insertion kept …): they become the Document's marks."""

    text: str
    page: Optional[int] = None
    bbox: Optional[tuple[float, float, float, float]] = None
    repairs: tuple[str, ...] = ()


Line = list[Piece]  # a paragraph line: its pieces are concatenated; a table row: its pieces are cells


@dataclass
class Block:
    kind: str  # "para" or "table"
    lines: list[Line] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def assemble(blocks: Iterable[Block]) -> tuple[str, list[dict[str, Any]]]:
    """Blocks → text (blank line between blocks, TAB between cells) and a TextRun's fields for each placed piece
    (``Document(runs=...)`` validates them all in one pass, several times faster than a model each: a PDF page
    has a hundred)."""
    text, runs, _ = assemble_marked(blocks)
    return text, runs


def assemble_marked(blocks: Iterable[Block]) -> tuple[str, list[dict[str, Any]], list[Mark]]:
    """:func:`assemble`, and a Mark for each repair of each piece, over that piece's text."""
    out: list[str] = []
    runs: list[dict[str, Any]] = []
    marks: list[Mark] = []
    pos = 0  # the length of the text so far (a piece's start), kept as the pieces are added
    first = True
    for block in blocks:
        lines = [line for line in block.lines if any(p.text for p in line)]  # all-empty rows say nothing
        if not lines:
            continue
        if not first:
            out.append("\n\n")
            pos += 2
        first = False
        sep = "\t" if block.kind == "table" else ""
        for i, line in enumerate(lines):
            if i:
                out.append("\n")
                pos += 1
            for j, piece in enumerate(line):
                if j and sep:
                    out.append(sep)
                    pos += 1
                text = piece.text
                out.append(text)
                start, pos = pos, pos + len(text)
                if text and piece.page is not None and piece.bbox is not None:
                    runs.append({"start": start, "end": pos, "page": piece.page, "bbox": piece.bbox})
                if text and piece.repairs:
                    marks.extend(Mark(start=start, end=pos, repair=name) for name in piece.repairs)
    if out:
        out.append("\n")
    return "".join(out), runs, marks

