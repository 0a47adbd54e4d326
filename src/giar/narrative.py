"""What the narrative states: numbers the report's prose gives for a cell of its own tables.

"本年度制发行政规范性文件62件，废止33件" states issued = 62 and repealed = 33 for 行政规范性文件. Such statements
are evidence, never values: they may choose among the cuts of a run of printed digits (the printed digits are
still what is reported) and are checked against the tables, but they never set or change a cell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .template import NARRATIVE_COUNT, SENTENCE_END, TableSpec

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
