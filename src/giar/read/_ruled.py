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
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import add, itemgetter
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

    An edge drawn twice (a border shared by two cells, often) counts twice in the mean, as in pdfplumber. Most
    clusters of a report's page are one edge: it stays as it is."""
    if not edges:
        return []
    edges = sorted(edges)  # in drawing order they are nearly sorted already
    positions = [e[0] for e in edges]
    cuts = [k for k, (p, q) in enumerate(zip(positions, positions[1:]), 1) if q > p + SNAP]
    out: list[tuple[float, float, float]] = []
    for lo, hi in zip([0, *cuts], [*cuts, len(edges)]):
        if hi - lo == 1:
            out.append(edges[lo])
        else:
            _join(reduce(add, positions[lo:hi], 0.0) / (hi - lo), sorted(edges[lo:hi], key=_SPAN), out)
    return out


_SPAN = itemgetter(1, 2)


def _join(at: float, edges: list[tuple[float, float, float]], out: list[tuple[float, float, float]]) -> None:
    """Collinear edges at ``at``, sorted by ``(start, end)``: joined where a gap is at most JOIN."""
    it = iter(edges)
    _, start, end = next(it)
    for _, s, t in it:
        if s <= end + JOIN:
            if t > end:
                end = t
        else:
            out.append((at, start, end))
            start, end = s, t
    out.append((at, start, end))


def _intersections(horizontal: list[HEdge], vertical: list[VEdge]) -> tuple[list[Point], dict, dict]:
    """Meeting points, sorted, with the vertical and horizontal edges through each: a set of edges as an int
    whose bit k stands for edge k (two points are joined by an edge when their ints share a bit)."""
    horizontal = sorted(horizontal)
    ys = [e[0] for e in horizontal]
    through_v: dict[Point, int] = {}
    through_h: dict[Point, int] = {}
    get_v, get_h = through_v.get, through_h.get
    for vi, (x, top, bottom) in enumerate(sorted(vertical)):
        bit = 1 << vi
        lo = bisect_left(ys, top - MEET)
        for hi, (y, x0, x1) in enumerate(horizontal[lo:bisect_right(ys, bottom + MEET)], lo):
            if x0 - MEET <= x <= x1 + MEET:
                p = (x, y)
                through_v[p] = get_v(p, 0) | bit
                through_h[p] = get_h(p, 0) | 1 << hi
    return sorted(through_v), through_v, through_h


def _cells(points: list[Point], through_v: dict[Point, int], through_h: dict[Point, int]) -> list[Box]:
    """For each meeting point, the smallest cell it is the top-left corner of: the nearest point below and the
    nearest point to the right that an edge joins to it, and the corner opposite joined to both.

    Points on one line are sorted, and an edge is unbroken: once a point below (or to the right) is not joined to
    this one, none further is."""
    below: dict[float, list[float]] = defaultdict(list)  # x -> the ys of the points on that vertical line
    right: dict[float, list[float]] = defaultdict(list)  # y -> the xs of the points on that horizontal line
    for x, y in points:  # sorted: each list comes out sorted, and the lines of ``below`` come by x
        below[x].append(y)
        right[y].append(x)
    cells: list[Box] = []
    for x, ys in below.items():
        last = len(ys) - 1
        for i, y in enumerate(ys):  # the points in their sorted order
            if i == last:
                break  # nothing below: no cell
            xs = right[y]
            j = bisect_right(xs, x)
            if j == len(xs):  # nothing to the right
                continue
            here = (x, y)
            v_here, h_here = through_v[here], through_h[here]
            y2, x2 = ys[i + 1], xs[j]  # most points: the nearest point below and to the right make the cell
            if v_here & through_v[(x, y2)] and h_here & through_h[(x2, y)]:
                corner = (x2, y2)
                if (corner in through_v and through_v[corner] & through_v[(x2, y)]
                        and through_h[corner] & through_h[(x, y2)]):
                    cells.append((x, y, x2, y2))
                    continue
            joined_right: Optional[list[float]] = None
            for y2 in ys[i + 1:]:
                if not v_here & through_v[(x, y2)]:
                    break
                h_below = through_h[(x, y2)]
                if joined_right is None:
                    joined_right = []
                    for x2 in xs[j:]:
                        if not h_here & through_h[(x2, y)]:
                            break
                        joined_right.append(x2)
                closing = next((x2 for x2 in joined_right if _closes(x2, y, y2, through_v, through_h, h_below)), None)
                if closing is not None:
                    cells.append((x, y, closing, y2))
                    break
    return cells


def _closes(x2: float, y: float, y2: float, through_v: dict[Point, int], through_h: dict[Point, int],
            h_below: int) -> bool:
    """Is (x2, y2) a meeting point that a vertical edge joins to (x2, y) above it and an edge of ``h_below`` (the
    horizontal edges through the cell's lower-left corner) to the left?"""
    corner = (x2, y2)
    return bool(corner in through_v and through_v[corner] & through_v[(x2, y)] and through_h[corner] & h_below)


def _group(cells: list[Box]) -> list[list[Box]]:
    """Cells that share a corner, as pdfplumber groups them (its order kept: it decides which cell a character on
    a shared border goes to); tables top to bottom, one-cell tables dropped."""
    remaining = [(cell, ((cell[0], cell[1]), (cell[0], cell[3]), (cell[2], cell[1]), (cell[2], cell[3])))
                 for cell in cells]
    tables: list[list[Box]] = []
    current: list[Box] = []
    corners: set[Point] = set()
    while remaining:
        before = len(current)
        left: list[tuple[Box, tuple[Point, Point, Point, Point]]] = []
        for item in remaining:
            mine = item[1]
            if not current or not corners.isdisjoint(mine):
                corners.update(mine)
                current.append(item[0])
            else:
                left.append(item)
        remaining = left
        if len(current) == before:
            tables.append(current)
            current, corners = [], set()
    if current:
        tables.append(current)
    tables.sort(key=lambda t: min(map(_TOP_LEFT, t)))
    return [t for t in tables if len(t) > 1]


_TOP_LEFT = itemgetter(1, 0)
