"""Ruled tables from a page's edges: pdfplumber's "lines" table finder, kept to its rules and tolerances.

The steps and numbers are pdfplumber's (``TableFinder`` with its default settings), so a table reads as it did when
pdfplumber found it: edges shorter than 1 pt are dropped; edges within 3 pt of one another snap to their mean
position; collinear edges with gaps of at most 3 pt join; edges shorter than 3 pt are then dropped; a vertical and
a horizontal edge meet where they pass within 3 pt of each other; a cell is the smallest rectangle whose four
corners are meeting points joined by edges; cells that share a corner form one table, and a table needs two cells.

What differs is the bookkeeping: meeting points come from edges sorted by position (not every vertical edge
against every horizontal one), and points are indexed by row and column, so finding a cell looks only at the
points on its own lines.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import add
from typing import Optional

from ._pdfium import SHORT, HEdge, VEdge

Box = tuple[float, float, float, float]
Point = tuple[float, float]

SNAP = 3.0  # edges this close to one another are one line
JOIN = 3.0  # collinear edges with a gap this small are one edge
MEET = 3.0  # a vertical and a horizontal edge this close meet
MIN_EDGE = 3.0  # shorter edges (after joining) are not rules
MIN_EDGE_BEFORE = SHORT  # shorter edges are dropped before snapping (the reader leaves most out already)


@dataclass
class Table:
    cells: list[Box]  # in pdfplumber's order: by top-left corner, column by column

    @property
    def bbox(self) -> Box:
        c = self.cells
        return (min(b[0] for b in c), min(b[1] for b in c), max(b[2] for b in c), max(b[3] for b in c))


def find_tables(horizontal: list[HEdge], vertical: list[VEdge], extra: list[HEdge] = ()) -> list[Table]:  # type: ignore[assignment]
    """Tables drawn by a page's edges: horizontal ``(y, x0, x1)`` and vertical ``(x, top, bottom)``; ``extra``
    horizontal edges (lines the reader adds to close a table) skip the first length filter, as pdfplumber's
    explicit lines do."""
    h = [e for e in horizontal if e[2] - e[1] >= MIN_EDGE_BEFORE] + list(extra)
    v = [e for e in vertical if e[2] - e[1] >= MIN_EDGE_BEFORE]
    h = [e for e in _merge(h) if e[2] - e[1] >= MIN_EDGE]
    v = [e for e in _merge(v) if e[2] - e[1] >= MIN_EDGE]
    cells = _cells(*_intersections(h, v))
    return [Table(group) for group in _group(cells)]


def _merge(edges: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """Edges ``(position, start, end)`` of one orientation: snapped to the mean position of their cluster
    (positions chained within SNAP), then joined where collinear with gaps of at most JOIN.

    Edges drawn twice (a border shared by two cells, often) are counted, not walked twice: the mean weighs them
    as pdfplumber does."""
    distinct = sorted(edges)  # in drawing order they are nearly sorted already: faster than sorting a set
    if not distinct:
        return []
    counts = Counter(edges) if len(set(edges)) < len(edges) else None  # most pages draw each edge once
    if counts:
        distinct = sorted(counts)
    positions = [e[0] for e in distinct]
    spans = [(start, end) for _, start, end in distinct]
    cuts = [k for k, (p, q) in enumerate(zip(positions, positions[1:]), 1) if q > p + SNAP]
    out: list[tuple[float, float, float]] = []
    for lo, hi in zip([0] + cuts, cuts + [len(distinct)]):
        if counts:
            total = count = 0.0
            for e in distinct[lo:hi]:
                total += e[0] * counts[e]
                count += counts[e]
        else:  # the same sums, each edge once
            total, count = reduce(add, positions[lo:hi], 0.0), float(hi - lo)
        _join(total / count, spans[lo:hi], out)
    return out


def _join(at: float, spans: list[tuple[float, float]], out: list[tuple[float, float, float]]) -> None:
    """Collinear edges at ``at`` from their ``(start, end)`` spans: joined where a gap is at most JOIN."""
    spans.sort()
    it = iter(spans)
    start, end = next(it)
    for s, t in it:
        if s <= end + JOIN:
            if t > end:
                end = t
        else:
            out.append((at, start, end))
            start, end = s, t
    out.append((at, start, end))


def _intersections(horizontal: list[HEdge], vertical: list[VEdge]) -> tuple[list[Point], dict, dict]:
    """Meeting points, sorted, with the vertical and horizontal edges through each (by index)."""
    horizontal = sorted(horizontal)
    ys = [e[0] for e in horizontal]
    through_v: dict[Point, set[int]] = defaultdict(set)
    through_h: dict[Point, set[int]] = defaultdict(set)
    for vi, (x, top, bottom) in enumerate(sorted(vertical)):
        lo = bisect_left(ys, top - MEET)
        for hi, (y, x0, x1) in enumerate(horizontal[lo:bisect_right(ys, bottom + MEET)], lo):
            if x0 - MEET <= x <= x1 + MEET:
                p = (x, y)
                through_v[p].add(vi)
                through_h[p].add(hi)
    return sorted(through_v), through_v, through_h


def _cells(points: list[Point], through_v: dict, through_h: dict) -> list[Box]:
    """For each meeting point, the smallest cell it is the top-left corner of: the nearest point below and the
    nearest point to the right that an edge joins to it, and the corner opposite joined to both.

    Points on one line are sorted, and an edge is unbroken: once a point below (or to the right) is not joined to
    this one, none further is."""
    below: dict[float, list[float]] = defaultdict(list)  # x -> the ys of the points on that vertical line
    right: dict[float, list[float]] = defaultdict(list)  # y -> the xs of the points on that horizontal line
    for x, y in points:  # sorted: each list comes out sorted
        below[x].append(y)
        right[y].append(x)
    cells: list[Box] = []
    for x, y in points:
        ys, xs = below[x], right[y]
        i, j = bisect_right(ys, y), bisect_right(xs, x)
        if i == len(ys) or j == len(xs):  # nothing below or to the right: no cell
            continue
        v_here, h_here = through_v[(x, y)], through_h[(x, y)]
        y2, x2 = ys[i], xs[j]  # most points: the nearest point below and to the right make the cell
        if (not v_here.isdisjoint(through_v[(x, y2)]) and not h_here.isdisjoint(through_h[(x2, y)])
                and _closes(x2, y, y2, through_v, through_h, through_h[(x, y2)])):
            cells.append((x, y, x2, y2))
            continue
        joined_right: Optional[list[float]] = None
        for y2 in ys[i:]:
            h_below = through_h[(x, y2)]
            if v_here.isdisjoint(through_v[(x, y2)]):
                break
            if joined_right is None:
                joined_right = []
                for x2 in xs[j:]:
                    if h_here.isdisjoint(through_h[(x2, y)]):
                        break
                    joined_right.append(x2)
            closing = next((x2 for x2 in joined_right if _closes(x2, y, y2, through_v, through_h, h_below)), None)
            if closing is not None:
                cells.append((x, y, closing, y2))
                break
    return cells


def _closes(x2: float, y: float, y2: float, through_v: dict, through_h: dict, h_below: set[int]) -> bool:
    """Is (x2, y2) a meeting point that a vertical edge joins to (x2, y) above it and an edge of ``h_below`` (the
    horizontal edges through the cell's lower-left corner) to the left?"""
    corner = (x2, y2)
    return (corner in through_v and not through_v[corner].isdisjoint(through_v[(x2, y)])
            and not through_h[corner].isdisjoint(h_below))


def _group(cells: list[Box]) -> list[list[Box]]:
    """Cells that share a corner, as pdfplumber groups them (its order kept: it decides which cell a character on
    a shared border goes to); tables top to bottom, one-cell tables dropped."""
    remaining = list(cells)
    tables: list[list[Box]] = []
    current: list[Box] = []
    corners: set[Point] = set()
    while remaining:
        before = len(current)
        left: list[Box] = []
        for cell in remaining:
            x0, top, x1, bottom = cell
            mine = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            if not current or not corners.isdisjoint(mine):
                corners.update(mine)
                current.append(cell)
            else:
                left.append(cell)
        remaining = left
        if len(current) == before:
            tables.append(current)
            current, corners = [], set()
    if current:
        tables.append(current)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]
