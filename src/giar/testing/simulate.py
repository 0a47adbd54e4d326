"""Simulated models: test doubles that answer a repair prompt the way a perfect or a deceitful model would.

They are not models and say nothing about any model's accuracy. They measure the design:

- ``oracle`` answers from the hand-labeled gold, within giar's answer schema: for each cell asked, the token
  the gold's value at that cell's position implies (the printed numbers are aligned with the gold's cells in
  reading order, the cells the rules already read pinned to their tokens; a value printed twice is cited where
  the position puts it, never just any token of equal value). What it fills is the ceiling of what any model
  could add through the merge; what it cannot fill, no model can.
- ``adversarial:KIND`` answers plausibly but wrongly, starting from the oracle's answer: ``swap_columns`` (two
  columns traded in every row asked), ``swap_rows`` (two rows of one group traded), ``shift_rows`` (every row
  takes the numbers of the row above), ``fill_empty`` (other printed numbers put into the cells the oracle left
  empty), ``unknown_tokens`` (ids that were never offered), ``values`` (numbers' values instead of their ids).
  Every number it adds that the merge keeps is a wrong number the design let through: it must be none.

:class:`SimulatedModel` serves them behind :class:`giar.testing.server.ChatServer`, so the bench exercises the
real client path (openai SDK, instructor, retries, validation re-asks). It reads only the prompt giar sent and
the gold of the document being run (set with :meth:`SimulatedModel.document`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Optional

from ..grid import parse_value
from ..template import TEMPLATES
from .server import ChatServer, Reply, answer, failure
from .tokens import count

KINDS = ("swap_columns", "swap_rows", "shift_rows", "fill_empty", "unknown_tokens", "values")

Answer = dict[str, dict[str, Optional[int]]]


@dataclass
class Prompt:
    """What a repair prompt (prompts/repair_table.v2.md) says, as a simulated model reads it."""

    table: str
    template: str
    rows: list[str]
    known: dict[str, int]  # "row.column" -> token id
    tokens: list[tuple[int, str]]  # (id, text) in reading order
    lines: list[list[int]] = field(default_factory=list)  # token ids per printed line

    def columns(self, row: str) -> list[str]:
        return [c.key for c in TEMPLATES[self.template].tables[self.table].row(row).columns]


_TABLE = re.compile(r"^Table `(\w+)` \(.*?\) of the (\d{4}) national template", re.M)
_ROW = re.compile(r"^- (\w+): ", re.M)
_MARK = re.compile(r"\[#(\d+):([^\]]*)\]")


def _section(text: str, title: str) -> str:
    start = text.find(f"## {title}")
    if start < 0:
        return ""
    end = text.find("\n## ", start + 3)
    return text[start : end if end >= 0 else len(text)]


def _fenced(text: str, title: str, following: str) -> str:
    """The fenced block under a title: printed text may itself hold '## ' lines (markdown headings)."""
    start = text.find(f"## {title}")
    fence = text.find("```text\n", start)
    end = text.rfind("```", fence + 8, text.find(f"## {following}", fence))
    return text[fence + 8 : end] if start >= 0 and fence >= 0 and end >= 0 else ""


def parse(user: str) -> Prompt:
    m = _TABLE.search(user)
    if not m:
        raise ValueError("not a repair_table v2 prompt")
    rows = _ROW.findall(_section(user, "Rows to fill"))
    known: dict[str, int] = {}
    for line in _section(user, "Cells the reader already read").splitlines():
        if line.startswith("- ") and ":" in line and "=#" in line:
            row, _, cells = line[2:].partition(": ")
            for cell in cells.split():
                col, _, tid = cell.partition("=#")
                known[f"{row}.{col}"] = int(tid)
    region = _fenced(user, "The printed text around those rows", "Your task")
    tokens = [(int(i), t) for i, t in _MARK.findall(region)]
    lines = [ids for line in region.splitlines() if (ids := [int(i) for i, _ in _MARK.findall(line)])]
    return Prompt(m.group(1), m.group(2), rows, known, tokens, lines)


def _value(text: str) -> Optional[float]:
    v = parse_value(text)
    return float(v.value) if v.value is not None else None


def oracle(p: Prompt, gold: dict[str, Any]) -> Answer:
    """The perfect answer within the schema: each asked cell's gold value at the token its position implies.

    First each printed line whose numbers are exactly an asked row's gold numbers, in order, is that row (the
    line a careful reader finds by its label, wherever it stands); then the rest of the cells and numbers are
    aligned in order, the cells the rules read pinned to their tokens; last, a value printed only once goes
    where the gold puts it."""
    spec = TEMPLATES[p.template].tables[p.table]
    inferred = set(gold.get("_inferred", []))
    table_gold = gold.get(p.table) or {}

    def wanted(row: str, col: str) -> Optional[float]:
        g = table_gold.get(row, {}).get(col)
        kind = spec.row(row).columns[p.columns(row).index(col)].kind
        if g is None or f"{p.table}.{row}.{col}" in inferred or kind == "amount":
            return None
        return float(g)

    out: Answer = {r: dict.fromkeys(p.columns(r)) for r in p.rows}
    values = {i: _value(t) for i, t in p.tokens}
    used = set(p.known.values())
    for row in p.rows:  # a line that prints exactly this row's numbers
        cells = [(c, wanted(row, c)) for c in p.columns(row) if f"{row}.{c}" not in p.known]
        target = [g for _, g in cells if g is not None]
        lines = [ids for ids in p.lines if [values[i] for i in ids if i not in used] == target and target]
        if len(lines) == 1:
            free = [i for i in lines[0] if i not in used]
            for (col, _), tid in zip([cg for cg in cells if cg[1] is not None], free):
                out[row][col] = tid
            used.update(free)
    seq: list[tuple[str, Optional[int], Optional[float]]] = []  # (cell, anchored token, gold value) in order
    for spec_row in spec.rows:
        row = spec_row.key
        if row not in p.rows and not any(k.startswith(row + ".") for k in p.known):
            continue
        for col in p.columns(row):
            cell = f"{row}.{col}"
            if cell in p.known:
                seq.append((cell, p.known[cell], None))
            elif row in out and out[row][col] is not None:
                seq.append((cell, out[row][col], None))
            elif row in p.rows and (g := wanted(row, col)) is not None:
                seq.append((cell, None, g))
    for cell, tid in _align(seq, [(i, values[i]) for i, _ in p.tokens]).items():
        row, col = cell.split(".")
        if row in out and out[row][col] is None and tid not in used:
            out[row][col] = tid
            used.add(tid)
    for cell, anchor, g in seq:  # a layout not in template order: a value printed once only
        row, col = cell.split(".")
        if anchor is None and row in out and out[row][col] is None:
            same = [i for i, _ in p.tokens if values[i] == g]
            if len(same) == 1 and same[0] not in used:
                out[row][col] = same[0]
                used.add(same[0])
    for cell, tid in p.known.items():  # cells already read in an asked row: the same ids
        row, col = cell.split(".")
        if row in out:
            out[row][col] = tid
    return out


def _align(seq: list[tuple[str, Optional[int], Optional[float]]], toks: list[tuple[int, Optional[float]]]) -> dict[str, int]:
    """A monotone alignment of cells (template order) with tokens (reading order): anchors must meet their own
    token, a gold value a token of that value; as many as possible."""
    n, m = len(seq), len(toks)

    def gain(i: int, j: int) -> int:
        _, anchor, g = seq[i]
        tid, v = toks[j]
        if anchor is not None:
            return 1000 if anchor == tid else 0
        return 1 if g is not None and v == g else 0

    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            skip = max(best[i + 1][j], best[i][j + 1])
            g = gain(i, j)
            best[i][j] = max(skip, best[i + 1][j + 1] + g) if g else skip
    out: dict[str, int] = {}
    i = j = 0
    while i < n and j < m:
        g = gain(i, j)
        if g and best[i][j] == best[i + 1][j + 1] + g:
            out[seq[i][0]] = toks[j][0]
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def adversarial(kind: str, p: Prompt, gold: dict[str, Any]) -> Answer:
    """A plausible wrong answer of the given kind, built from the oracle's."""
    good = oracle(p, gold)
    out = {r: dict(c) for r, c in good.items()}
    value = dict(p.tokens)
    if kind == "swap_columns":
        cols = [c for c in (p.columns(p.rows[0]) if p.rows else []) if all(c in out[r] for r in p.rows)]
        for a, b in ((a, b) for i, a in enumerate(cols) for b in cols[i + 1 :]):
            if any(value.get(out[r][a] or -1) != value.get(out[r][b] or -1) for r in p.rows):
                for r in p.rows:
                    out[r][a], out[r][b] = out[r][b], out[r][a]
                break
    elif kind == "swap_rows":
        spec = TEMPLATES[p.template].tables[p.table]
        group = {r.key: r.group for r in spec.rows}
        pairs = [(a, b) for i, a in enumerate(p.rows) for b in p.rows[i + 1 :] if p.columns(a) == p.columns(b)]
        pairs.sort(key=lambda ab: group[ab[0]] != group[ab[1]])  # the same group first
        for a, b in pairs:
            if [value.get(t or -1) for t in out[a].values()] != [value.get(t or -1) for t in out[b].values()]:
                out[a], out[b] = out[b], out[a]
                break
    elif kind == "shift_rows":
        order = [r.key for r in TEMPLATES[p.template].tables[p.table].rows]
        view: dict[str, list[Optional[int]]] = {r: list(good[r].values()) for r in p.rows}
        for cell, tid in p.known.items():
            row, col = cell.split(".")
            if row not in view:
                view.setdefault(row, [None] * len(p.columns(row)))[p.columns(row).index(col)] = tid
        seen = [r for r in order if r in view]
        for prev, row in zip([None, *seen], seen):
            if row in out:
                ids = view[prev] if prev is not None else []
                out[row] = {c: (ids[i] if i < len(ids) else None) for i, c in enumerate(p.columns(row))}
    elif kind == "fill_empty":
        used = {t for r in out.values() for t in r.values() if t is not None}
        spare = [i for i, _ in p.tokens if i not in used and i not in p.known.values()]
        spare += [i for i, _ in p.tokens if i not in used and i in p.known.values()]
        for r in p.rows:
            for c in p.columns(r):
                if out[r][c] is None and spare:
                    extra = spare.pop(0)
                    out[r][c] = extra
                    used.add(extra)
    elif kind == "unknown_tokens":
        top = max((i for i, _ in p.tokens), default=0) + 1000
        out = {r: {c: top + k for k, c in enumerate(row_cells)} for r, row_cells in out.items()}
    elif kind == "values":
        for r in out:
            for c, cited in out[r].items():
                v = _value(value[cited]) if cited is not None else None
                out[r][c] = None if v is None else int(v)
    else:
        raise ValueError(f"unknown adversarial kind {kind!r} (one of {', '.join(KINDS)})")
    return out


@dataclass
class SimulatedModel:
    """A simulated model behind a local OpenAI-compatible server: ``oracle`` or ``adversarial:KIND``."""

    name: str
    gold: dict[str, Any] = field(default_factory=dict)
    answered: int = 0
    refused: int = 0

    def __post_init__(self) -> None:
        kind = self.name.partition(":")[2]
        if not (self.name == "oracle" or (self.name.startswith("adversarial:") and kind in KINDS)):
            raise ValueError(f"unknown simulated model {self.name!r}: oracle or adversarial:{{{','.join(KINDS)}}}")

    @contextmanager
    def document(self, gold: dict[str, Any]) -> Iterator[None]:
        """Answer from this gold while the block runs (one document at a time)."""
        self.gold = gold
        try:
            yield
        finally:
            self.gold = {}

    def answer(self, p: Prompt) -> Answer:
        if self.name == "oracle":
            return oracle(p, self.gold)
        return adversarial(self.name.partition(":")[2], p, self.gold)

    def reply(self, body: dict[str, Any]) -> Reply:
        messages = body.get("messages") or []
        user = next((m.get("content") or "" for m in messages if m.get("role") == "user"), "")
        try:
            p = parse(user)
        except ValueError as e:
            self.refused += 1
            return failure(400, str(e))
        content = json.dumps(self.answer(p), ensure_ascii=False)
        self.answered += 1
        sent = "\n".join(str(m.get("content") or "") for m in messages)
        return answer(content, prompt_tokens=count(sent), completion_tokens=count(content))

    @contextmanager
    def serve(self) -> Iterator[ChatServer]:
        """The model behind a local server on 127.0.0.1 (ephemeral port), stopped when the block ends."""
        with ChatServer(self.reply) as srv:
            yield srv
