"""Label similarity: how well a printed row label (possibly cut into fragments) fits a template row.

Labels vary (brackets, ordinals, spaces, older wording, typos, wrapping), so they are compared normalised and
fuzzily (rapidfuzz), without the group words many rows share. Everything is cached on strings: reports repeat
the template's wording, so a batch mostly hits.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Optional

from rapidfuzz import fuzz

from ..grid import DataRow
from ..model import Cell, Row
from ..template import TEMPLATES, RowSpec

_NOISE = re.compile(r"[\s#*|()（）\[\]【】、.．,，:：;；\"“”'‘’·\-—_/]+")


def norm(label: str) -> str:
    return _NOISE.sub("", label)


@cache
def targets(spec: RowSpec) -> tuple[str, ...]:
    """The row's own label and its aliases, normalised, without group words (those are compared apart)."""
    return tuple(b for b in dict.fromkeys(core(norm(t)) for t in (spec.label, *spec.aliases)) if b)


# Group words printed before row labels (三、本年度办理结果, （三）不予公开 …, 行政诉讼): shared by many rows, so they
# say nothing about which row a label is and would let a long shared prefix outscore the row's own words.
_GROUPS = sorted(
    {norm(r.group) for t in TEMPLATES.values() for tab in t.tables.values() for r in tab.rows if r.group},
    key=len,
    reverse=True,
)


@lru_cache(maxsize=1 << 14)
def core(a: str) -> str:
    """A normalised label without its group words (unless nothing else is left)."""
    rest = a
    for g in _GROUPS:
        rest = rest.replace(g, "")
    return rest or a


@lru_cache(maxsize=1 << 16)
def pair(a: str, b: str, partial: bool = True) -> float:
    """Whole-label ratio, or a fragment's fit discounted by how much of the row label it covers.

    A label joined from fragments is scored as a whole only: otherwise a neighbour's fragment inside it
    would let a well-labelled row claim the neighbour's place. Cached on the strings: reports repeat the
    template's wording, so a batch mostly hits."""
    best = fuzz.ratio(a, b) / 100
    cover = min(1.0, len(a) / len(b))
    if partial and cover > best:
        best = max(best, fuzz.partial_ratio(a, b) / 100 * cover)
    return best


def fit(a: str, tgts: tuple[str, ...]) -> float:
    return max((pair(a, b) for b in tgts), default=0.0) if a else 0.0


def similarity(label: str, spec: RowSpec) -> float:
    """0..1: how well a printed label (possibly with its group words, possibly a fragment) fits a row."""
    return fit(core(norm(label)), targets(spec))


Candidates = list[tuple[str, Optional[str]]]


def candidates(row: DataRow) -> Candidates:
    """The label as printed, and with the fragments around it joined (a narrow column's wrapped label),
    each normalised."""
    if "cands" not in row.memo:
        row.memo["cands"] = _candidates(row)
    return row.memo["cands"]


def own(row: DataRow) -> str:
    """The row's own label, normalised, without group words (computed once per row)."""
    if "own" not in row.memo:
        row.memo["own"] = core(norm(row.label))
    return row.memo["own"]


def bare(row: DataRow) -> int:
    """Length of the row's own normalised label, group words included: under 2 means no label at all."""
    if "bare" not in row.memo:
        row.memo["bare"] = len(norm(row.label))
    return row.memo["bare"]


def _candidates(row: DataRow) -> Candidates:
    before = "".join(c.text for r in row.before for c in r.cells)
    after = "".join(c.text for r in row.after for c in r.cells)
    label = row.label
    out: Candidates = [(own(row), None)]
    if after:
        columns = column_join(row)  # first: where both read the same, the column-wise join is the evidence
        if columns is not None:
            out.append((core(norm(columns)), "join_label_fragments:columns"))
        out.append((core(norm(label + after)), "join_label_fragments:after"))
    if before:
        out.append((core(norm(before + label)), "join_label_fragments:before"))
    return [(t, how) for t, how in out if t]


_X_TOLERANCE = 3  # characters: a fragment this close to a label column's start is in that column


def _x(row: Row, cell: Cell, index: int) -> int:
    """A cell's column: its index between tabs, or its offset from the line's start in space-aligned text."""
    return index if "split_tabs" in row.repairs or row.start < 0 else cell.span[0] - row.start


def column_join(row: DataRow) -> Optional[str]:
    """A narrow label column wraps each label over the lines after its numbers, group label and row label
    side by side (``三、本(一)予  0 0 …`` then ``年度办理  以公开`` then ``结果``): join the fragments column by
    column. Only short lines whose every fragment stands in the label columns continue the row; the first
    other line (a caption, a header, the next row) ends it. None when nothing joins."""
    first = row.row
    tabs = "split_tabs" in first.repairs or first.start < 0
    cols: dict[int, list[str]] = {}
    widest = 0
    for i, c in enumerate(first.cells):
        if c in row.label_cells and c.text:
            cols[_x(first, c, i)] = [c.text]
            widest = max(widest, len(c.text))
    if not cols or not row.value_cells:
        return None
    values_at = _x(first, row.value_cells[0], first.cells.index(row.value_cells[0]))
    joined = False
    for r in row.after:
        frags = [(_x(r, c, i), c.text) for i, c in enumerate(r.cells) if c.text]
        if not frags or any(len(t) > widest + 1 or x >= values_at for x, t in frags):
            break
        for x, t in frags:
            near = [k for k in cols if abs(k - x) <= (0 if tabs else _X_TOLERANCE)]
            cols.setdefault(near[0] if near else x, []).append(t)
        joined = True
    if not joined:
        return None
    return "".join("".join(cols[k]) for k in sorted(cols))


def best_label(
    row: DataRow, spec: RowSpec, cands: Optional[Candidates] = None, tg: Optional[tuple[str, ...]] = None
) -> tuple[float, Optional[str]]:
    tg = targets(spec) if tg is None else tg
    return _best(tuple(cands if cands is not None else candidates(row)), tg)


@lru_cache(maxsize=1 << 14)
def _best(cands: tuple[tuple[str, Optional[str]], ...], tg: tuple[str, ...]) -> tuple[float, Optional[str]]:
    """The best fit of any reading of a label to any of a row's targets, and which reading gave it (cached on
    the strings: the alignment asks for every printed row against every template row)."""
    best, best_how = 0.0, None
    for text, how in cands:
        for b in tg:
            v = pair(text, b, how is None)
            if v > best:
                best, best_how = v, how
    return best, best_how


Scored = tuple[float, int, int, Optional[str]]  # (fit, printed row, template row, how the label was read)


def by_label(rows: list[DataRow], specs: tuple[RowSpec, ...], min_fit: float) -> tuple[list[Scored], list[Scored]]:
    """Rows that are matched by label alone (section 二, which reports reorder): every (row, template row)
    pair fitting at least ``min_fit``, best first, and from them a one-to-one assignment taken greedily.

    Returns (assigned, scored): the caller checks the assignment against the rest (a row printed twice)."""
    scored = sorted(
        ((fit, i, j, how) for i, row in enumerate(rows) for j, rspec in enumerate(specs)
         for fit, how in [best_label(row, rspec)] if fit >= min_fit),
        key=lambda s: -s[0],
    )  # fmt: skip
    used_rows: set[int] = set()
    used_specs: set[int] = set()
    assigned = []
    for fit, i, j, how in scored:
        if i in used_rows or j in used_specs:
            continue
        used_rows.add(i)
        used_specs.add(j)
        assigned.append((fit, i, j, how))
    return assigned, scored
