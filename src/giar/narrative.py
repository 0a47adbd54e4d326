"""What the narrative states: numbers the report's prose gives for a cell of its own tables.

"本年度制发行政规范性文件62件，废止33件" states issued = 62 and repealed = 33 for 行政规范性文件. Such statements
are evidence, never values: they may choose among the cuts of a run of printed digits (the printed digits are
still what is reported) and are checked against the tables, but they never set or change a cell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from .model import Finding, Number
from .status import FindingKind
from .template import (
    NARRATIVE_COMPARISON,
    NARRATIVE_COUNT,
    NARRATIVE_FIGURES,
    NARRATIVE_GAP,
    NARRATIVE_UNIT,
    SENTENCE_END,
    TEMPLATES,
    TableSpec,
    TemplateName,
)

_COUNT = re.compile(NARRATIVE_COUNT)
_SENTENCE = re.compile("[^" + re.escape(SENTENCE_END) + "]+")


@dataclass(frozen=True)
class Statement:
    key: str  # table.row.column
    value: int
    span: tuple[int, int]  # the number in the text


def statements(text: str, spec: TableSpec, skip: Sequence[tuple[int, int]] = ()) -> list[Statement]:
    """Counts the prose states for this table's cells: in a sentence naming a row (its label or an alias), a
    number after one of a column's verbs belongs to that row and column (the nearest row and verb before it).
    Text inside ``skip`` (the tables themselves) is not prose."""
    rows = sorted(
        ((name, r) for r in spec.rows for name in (r.label, *r.aliases)), key=lambda x: -len(x[0])
    )
    verbs = sorted(((v, c.key) for r in spec.rows for c in r.columns for v in c.said), key=lambda x: -len(x[0]))
    if not verbs:
        return []
    out: list[Statement] = []
    for m in _SENTENCE.finditer(text):
        a = m.start()
        if any(s <= a < e for s, e in skip):
            continue
        sentence = m.group()
        if not any(name in sentence for name, _ in rows):
            continue
        marks: list[tuple[int, str, str]] = []  # (position, kind, what)
        taken = [False] * len(sentence)
        for name, r in rows:
            for hit in re.finditer(re.escape(name), sentence):
                if not any(taken[hit.start() : hit.end()]):
                    taken[hit.start() : hit.end()] = [True] * (hit.end() - hit.start())
                    marks.append((hit.start(), "row", r.key))
        for verb, column in verbs:
            for hit in re.finditer(re.escape(verb), sentence):
                if not any(taken[hit.start() : hit.end()]):
                    taken[hit.start() : hit.end()] = [True] * (hit.end() - hit.start())
                    marks.append((hit.start(), "col", column))
        marks.sort()
        for num in _COUNT.finditer(sentence):
            before = [mk for mk in marks if mk[0] < num.start()]
            row = next((w for p, k, w in reversed(before) if k == "row"), None)
            col = next((w for p, k, w in reversed(before) if k == "col"), None)
            if row is None or col is None:
                continue
            rspec = next(r for r in spec.rows if r.key == row)
            if col not in {c.key for c in rspec.columns}:
                continue
            start = a + num.start(1)
            out.append(Statement(f"{spec.name}.{row}.{col}", int(num.group(1)), (start, start + len(num.group(1)))))
    return out


@dataclass(frozen=True)
class Figure:
    """A number the prose states for a cell of 三 or 四, or the sum of several (行政诉讼 is both of its groups;
    受理 may include last year's carried-over applications)."""

    readings: tuple[tuple[str, ...], ...]  # each: cells whose sum the number may state
    value: int
    span: tuple[int, int]
    said: str  # the words that state it, as printed


_CUES = {cue: (keys, needs) for cues, keys, needs in NARRATIVE_FIGURES for cue in cues}
_FIGURE = re.compile(
    "(" + "|".join(map(re.escape, sorted(_CUES, key=len, reverse=True))) + ")(" + NARRATIVE_GAP + r")(\d+)\s*"
    + re.escape(NARRATIVE_UNIT)
)


def _prose(text: str, skip: Sequence[tuple[int, int]]) -> list[tuple[int, str]]:
    """Sentences outside ``skip`` (the tables), with their offsets; sentences comparing years left out."""
    return [
        (m.start(), m.group())
        for m in _SENTENCE.finditer(text)
        if not any(s <= m.start() < e for s, e in skip) and not any(w in m.group() for w in NARRATIVE_COMPARISON)
    ]


def figures(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[Figure]:
    """The figures the prose states for sections 三 and 四: 新收…件, 上年结转…件, 办结…件, 行政复议…件,
    行政诉讼…件 (a number right after its cue, with no other cue and no punctuation between)."""
    out: list[Figure] = []
    for a, sentence in _prose(text, skip):
        for m in _FIGURE.finditer(sentence):
            cue, gap = m.group(1), m.group(2)
            readings, needs = _CUES[cue]
            if any(other in gap for other in _CUES):
                continue
            if needs and needs not in gap and not sentence.startswith(needs, m.end()):
                continue
            start = a + m.start(3)
            out.append(Figure(readings, int(m.group(3)), (start, start + len(m.group(3))), m.group().strip()))
    return out


def disagreements(
    text: str, skip: Sequence[tuple[int, int]], values: dict[str, Optional[Number]], template: TemplateName
) -> list[Finding]:
    """Findings where the prose states a number the tables do not print (never a change to a cell): section
    二's statements (制发规范性文件…件, …) and the figures of 三 and 四."""
    said: list[tuple[tuple[tuple[str, ...], ...], int, tuple[int, int], str]] = [
        (((st.key,),), st.value, st.span, text[st.span[0] : st.span[1]])
        for st in statements(text, TEMPLATES[template].tables["active_disclosure"], skip)
    ]
    said += [(f.readings, f.value, f.span, f.said) for f in figures(text, skip)]
    out = []
    for readings, value, span, words in said:
        sums = [_sum(values, keys) for keys in readings]
        if any(s is None for s in sums) or value in sums:
            continue
        keys, table = readings[0], sums[0]
        out.append(
            Finding(
                kind=FindingKind.NARRATIVE,
                key=keys[0],
                message=f"the narrative states {value} ('{words}' at offset {span[0]}), the table gives "
                f"{' + '.join(keys)} = {table:g}; the table's number is kept",
            )
        )
    return out


def _sum(values: dict[str, Optional[Number]], keys: tuple[str, ...]) -> Optional[Number]:
    cells = [values.get(k) for k in keys]
    return None if any(v is None for v in cells) else sum(v for v in cells if v is not None)
