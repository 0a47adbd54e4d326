"""Which printed table is this year's: a table kind printed more than once is chosen by what the document says.

Reports print last year's table beside this year's (captioned 「2020年度情况（对照）」, 「上年同期」), or append a
subordinate body's (「附：下属单位…」). The rows of one table region are cut into the tables they hold (at a
caption, or where the table's first row or header starts again); a table whose caption names another year, a
comparison or an appendix is never read, and its presence is a finding. Of the rest, the one whose caption
names the report's year is read, or the only one left; two that nothing tells apart are both left null.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal, Optional

from ..grid import DataRow
from ..model import Row
from ..status import FindingKind, RowStatus
from ..template import ANNUAL_REPORT, CAPTION_YEAR, NOTE_PREFIXES, OTHER_TABLE_WORDS, WORK_REPORT, TableSpec
from .cells import Placed
from .settings import MatchContext, MatchSettings

Verdict = Literal["this", "other", "unknown"]
_YEAR = re.compile(CAPTION_YEAR)


def caption(row: Row, st: MatchSettings) -> Optional[str]:
    """The row's text if it is a table's caption: a short line naming a year, a comparison or an appendix (not
    a note, not the report's title repeated as a page header)."""
    text = re.sub(r"\s", "", "".join(c.text for c in row.cells))
    if not text or len(text) > st.caption_chars or text.startswith(NOTE_PREFIXES):
        return None
    if ANNUAL_REPORT in text or WORK_REPORT in text:
        return None
    if _YEAR.search(text) or any(w in text for w in OTHER_TABLE_WORDS):
        return text
    return None


def captions(rows: Sequence[Row], st: MatchSettings) -> list[str]:
    return [c for c in (caption(r, st) for r in rows) if c]


def verdict(texts: Sequence[str], year: Optional[int]) -> Verdict:
    """What a table's captions say it is: this report's ("this"), another year's or body's ("other"), or nothing."""
    joined = "".join(texts)
    if any(w in joined for w in OTHER_TABLE_WORDS):
        return "other"
    years = {int(y) for y in _YEAR.findall(joined)}
    if year is not None and years:
        return "this" if years == {year} else "other"
    return "unknown"


def split(rows: list[DataRow], starts: Callable[[DataRow], bool], st: MatchSettings) -> list[list[DataRow]]:
    """The tables one region holds: a new one at a caption before a row, or where ``starts`` says the table's
    first row (or header) is printed again — a second time in the table so far (reports reorder rows and
    subtables, so a first row printed late is no new table)."""
    parts: list[list[DataRow]] = []
    seen = False
    for i, row in enumerate(rows):
        start = starts(row)
        if i == 0 or captions(row.before, st) or (start and seen):
            parts.append([])
            seen = False
        seen = seen or start
        parts[-1].append(row)
    return parts


def this_years(
    out: Placed, rows: list[DataRow], spec: TableSpec, ctx: MatchContext, starts: Callable[[DataRow], bool]
) -> Optional[list[DataRow]]:
    """The rows of the table to read: all of them when the region holds one table; else the table the document
    says is this year's. None when several tables remain that nothing tells apart: every row of the table is
    then left null (and frozen: the arithmetic never fills them from a table that was not read)."""
    parts = split(rows, starts, ctx.settings)
    if len(parts) <= 1:
        return rows
    said = [verdict(captions(p[0].before, ctx.settings), ctx.year) for p in parts]
    left = [k for k, v in enumerate(said) if v != "other"]
    this = [k for k in left if said[k] == "this"]
    chosen = this[0] if len(this) == 1 else left[0] if len(left) == 1 else None
    for k, part in enumerate(parts):
        if k == chosen or (chosen is None and k in left):
            continue
        words = " ".join(captions(part[0].before, ctx.settings)) or part[0].label
        why = "is another year's or another body's" if said[k] == "other" else "is not the one captioned with the report's year"
        out.note(
            FindingKind.OTHER_TABLE,
            f"{spec.name}: a table {spec.ordinal} printed in the same section ('{words[:40]}') {why}; not read",
            spec.name,
        )
    if chosen is None:
        out.note(
            FindingKind.AMBIGUOUS,
            f"{spec.name}: table {spec.ordinal} is printed {len(left)} times and nothing tells which is this year's; "
            "left null",
            spec.name,
        )
        for rspec in spec.rows:
            out.null_row(spec.name, rspec, RowStatus.AMBIGUOUS, None)
        return None
    return parts[chosen]
