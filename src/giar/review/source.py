"""The reader's text cut into plain stretches and marked spans (one mark per value's digits), for the source pane.

Values whose spans overlap share one mark. The page escapes every stretch; nothing here builds HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

from ..model import Number, Provenance, TextRun
from .tables import how


@dataclass
class Segment:
    text: str
    mark: Optional[str] = None  # element id of a marked span
    keys: list[str] = field(default_factory=list)
    how: str = ""
    page: Optional[int] = None  # a PDF page starts here


def segments(
    text: str, values: Mapping[str, Optional[Number]], provenance: Mapping[str, Provenance], runs: list[TextRun], prefix: str
) -> tuple[list[Segment], dict[str, str]]:
    """Stretches of ``text`` in order, and for each key with a span the id of its mark."""
    spans = sorted(
        (p.span, k) for k, p in provenance.items() if p.span and 0 <= p.span[0] < p.span[1] <= len(text)
    )
    clusters: list[tuple[int, int, list[str]]] = []
    for (a, b), key in spans:
        if clusters and a < clusters[-1][1]:
            s, e, keys = clusters[-1]
            clusters[-1] = (s, max(e, b), keys + [key])
        else:
            clusters.append((a, b, [key]))
    pages: dict[int, int] = {}
    last = None
    for r in runs:
        if r.page != last:
            pages.setdefault(r.start, r.page)
            last = r.page
    out: list[Segment] = []
    marks: dict[str, str] = {}

    def plain(a: int, b: int) -> None:
        cuts = sorted(o for o in pages if a <= o < b)
        pos = a
        for o in cuts:
            if o > pos:
                out.append(Segment(text[pos:o]))
            out.append(Segment("", page=pages[o]))
            pos = o
        if b > pos:
            out.append(Segment(text[pos:b]))

    pos = 0
    for n, (a, b, keys) in enumerate(clusters):
        plain(pos, a)
        mark = f"{prefix}-s{n}"
        for k in keys:
            marks[k] = mark
        first = keys[0]
        out.append(Segment(text[a:b], mark=mark, keys=keys, how=how(values.get(first), provenance[first])))
        pos = b
    plain(pos, len(text))
    return out, marks
