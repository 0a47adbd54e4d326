"""Stage 2, locate: find the six sections and the three table regions.

Headings are matched by their words, not their ordinals: reports number their own chapters 一…六 and restart
一/二/三 for the tables (corpus 008), repeat headings, or lose one at a page break (seed 003). A table is
anchored on what it contains (its row and column labels); the nearest heading before that content, if any,
opens its region.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache
from typing import NamedTuple, Optional

from .model import Region
from .template import (
    ANNUAL_REPORT,
    INLINE_HEADING_ORDINAL,
    REPORT_TITLE,
    TABLE_CONTENT,
    TEMPLATES,
    TEXT_SECTIONS,
    YEAR_CHAR,
)

_MAX_HEADING = 48

# What a table's body prints, whatever its heading says.
_CONTENT = {name: re.compile(pattern) for name, pattern in TABLE_CONTENT.items()}
_TABLE_HEADINGS = {
    name: (spec.heading,) + spec.heading_aliases for name, spec in TEMPLATES["2021"].tables.items()
}
_LONG_LINE = 300  # a line this long is prose or a page dumped without its line breaks, never one heading
_INLINE_HEADING = re.compile(
    INLINE_HEADING_ORDINAL
    + "(?:"
    + "|".join(
        re.escape(w)
        for w in sorted(
            {spec.heading for spec in TEMPLATES["2021"].tables.values()} | {w for ws in TEXT_SECTIONS.values() for w in ws},
            key=len,
            reverse=True,
        )
    )
    + ")"
)


class Line(NamedTuple):
    """One line of the text and where it starts (a tuple: a report has hundreds and they never change)."""

    start: int
    end: int
    text: str
    squashed: str  # without decoration (#, |, >) and spaces: what heading tests compare


_SQUASH = re.compile(r"^[#\s>*|]+|[ \t]+")


def _squash(text: str) -> str:
    """Without leading decoration (#, >, *, |) and without spaces: the form heading tests compare."""
    return _SQUASH.sub("", text).strip()


def lines(text: str, start: int = 0, end: Optional[int] = None, squash: bool = True) -> list[Line]:
    end = len(text) if end is None else end
    out: list[Line] = []
    pos = start
    for raw in text[start:end].split("\n"):
        # only a short line can be a heading or a label; a prose line keeps its text (len is what matters)
        sq = _squash(raw) if squash and 0 < len(raw) <= 2 * _MAX_HEADING else raw
        out.append(Line(pos, pos + len(raw), raw, sq))
        pos += len(raw) + 1
    return out


@cache
def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, words)))


_CELLS = re.compile(r"[^\t|]*\S[^\t|]*")


def _table_row(line: Line) -> bool:
    """Two or more cells split by tabs or pipes: a table's row (行政复议 | 行政诉讼 in 四's header), never a heading."""
    return ("\t" in line.text or "|" in line.text) and len(_CELLS.findall(line.text)) >= 2


def headings(all_lines: list[Line], words: tuple[str, ...]) -> list[Line]:
    """Short lines that say one of the words (and are not a 第二十条 table caption, nor a table's row)."""
    pattern, caption = _words(words), _CONTENT["active_disclosure"]
    return [
        l
        for l in all_lines
        if 0 < len(l.squashed) <= _MAX_HEADING
        and pattern.search(l.squashed)
        and not caption.search(l.squashed)
        and not _table_row(l)
    ]


_TITLE = re.compile(REPORT_TITLE)


def report_end(text: str) -> Optional[Line]:
    """The title line of a second report pasted after the first one's tables (two bodies in one file), if any:
    everything from there on belongs to another body."""
    first_table = _CONTENT["active_disclosure"].search(text) or _CONTENT["requests"].search(text)
    if first_table is None:
        return None
    start = _line_start(text, first_table.start())
    if ANNUAL_REPORT not in text[start:]:
        return None  # the common case, decided without splitting the text into lines
    for line in lines(text, start):
        if 0 < len(line.squashed) <= 60 and _TITLE.search(line.squashed) and YEAR_CHAR in line.squashed:
            # a running page header repeats the title too; a new report opens its own 总体情况 soon after
            after = lines(text, line.end, min(len(text), line.end + 3000))
            if headings([l for l in after if 0 < len(l.squashed) <= _MAX_HEADING], TEXT_SECTIONS["overview"]):
                return line
    return None


def report_starts(text: str) -> list[int]:
    """Where each further report of a compilation begins (several bodies' reports in one file): the offsets
    of the second, third, … report titles; empty for a file of one report."""
    out: list[int] = []
    pos = 0
    while (line := report_end(text[pos:])) is not None and line.start > 0:
        pos += line.start
        out.append(pos)
    return out


def split_inline_headings(all_lines: list[Line]) -> list[Line]:
    """A page dumped without its line breaks (a web archiver's text) prints its section headings inside one
    long line: each such heading becomes a line of its own, offsets kept, so headings are found as anywhere."""
    out: list[Line] = []
    for line in all_lines:
        if len(line.text) <= _LONG_LINE:
            out.append(line)
            continue
        pos = 0
        for m in _INLINE_HEADING.finditer(line.text):
            for a, b in ((pos, m.start()), (m.start(), m.end())):
                if a < b:
                    piece = line.text[a:b]
                    out.append(Line(line.start + a, line.start + b, piece, _squash(piece) if b - a <= 2 * _MAX_HEADING else piece))
            pos = m.end()
        rest = line.text[pos:]
        out.append(Line(line.start + pos, line.end, rest, _squash(rest) if len(rest) <= 2 * _MAX_HEADING else rest))
    return out


def locate(text: str) -> list[Region]:
    """Regions for overview, the three tables, problems and other, in document order; absent ones omitted."""
    all_lines = split_inline_headings(lines(text))
    short = [l for l in all_lines if 0 < len(l.squashed) <= _MAX_HEADING]
    starts = [l.start for l in all_lines]
    regions: list[Region] = []

    # Tables: content first, then the heading nearest before it.
    prev_end = 0
    for name, words in _TABLE_HEADINGS.items():
        m = _CONTENT[name].search(text, _line_start(text, prev_end))
        content = all_lines[bisect_right(starts, m.start()) - 1] if m else None
        heads = [l for l in headings(short, words) if l.start >= prev_end]
        if content is not None:
            before = [h for h in heads if h.start <= content.start]
            if before and _near(text, before[-1], content):
                regions.append(Region(name=name, start=before[-1].start, end=len(text), how="heading"))
            else:
                start = _table_lines_before(all_lines, content, prev_end)
                regions.append(Region(name=name, start=start, end=len(text), how="content"))
        elif heads:
            regions.append(Region(name=name, start=heads[0].start, end=len(text), how="heading"))
        else:
            continue
        prev_end = regions[-1].start + 1

    first_table = min((r.start for r in regions), default=len(text))
    last_table = max((r.start for r in regions), default=0)
    # Text sections: overview before the tables, problems and other after them.
    over = headings([l for l in short if l.start < first_table], TEXT_SECTIONS["overview"])
    if over:
        regions.append(Region(name="overview", start=over[0].start, end=first_table, how="heading"))
    tail = [l for l in short if l.start > last_table]
    probs = headings(tail, TEXT_SECTIONS["problems"])
    others = headings(tail, TEXT_SECTIONS["other"])
    if probs:
        regions.append(Region(name="problems", start=probs[0].start, end=len(text), how="heading"))
    if others:
        regions.append(Region(name="other", start=others[-1].start, end=len(text), how="heading"))

    regions.sort(key=lambda r: r.start)
    for i, r in enumerate(regions[:-1]):
        if r.name != "overview":
            regions[i] = r.model_copy(update={"end": regions[i + 1].start})
    return regions


def _line_start(text: str, pos: int) -> int:
    """The first line starting at or after pos (a table's content is searched line by line from there)."""
    if pos <= 0:
        return 0
    nl = text.find("\n", pos - 1)
    return len(text) if nl < 0 else nl + 1


def _table_lines_before(all_lines: list[Line], content: Line, floor: int) -> int:
    """Without a heading, a table may begin before its first marker (a fragment starting mid-table):
    walk back over short non-prose lines."""
    start = content.start
    for line in reversed([l for l in all_lines if floor <= l.start < content.start]):
        sq = line.squashed
        if len(sq) > 30 or sq.endswith(("。", "；", "：")):
            break
        start = line.start
    return start


def _near(text: str, heading: Line, content: Line) -> bool:
    """A heading opens a table only if little prose stands between them (a later chapter may reuse words)."""
    between = text[heading.end : content.start]
    return len(re.sub(r"\s", "", between)) < 400


def body(text: str, region: Region) -> str:
    """A text section without its heading line (or its inline heading, in a page dumped on one line)."""
    inline = _INLINE_HEADING.match(text, region.start, region.end)
    nl = text.find("\n", region.start, region.end)
    if inline is not None and (nl < 0 or nl - region.start > _LONG_LINE):
        return text[inline.end() : region.end].strip()
    start = region.end if nl < 0 else nl + 1
    return text[start : region.end].strip()


def title_lines(text: str, limit: int = 20) -> list[Line]:
    return [l for l in lines(text[:1500]) if l.squashed][:limit]  # a title stands in the first lines
