"""Perturbations of the hand-labelled fixtures for the property tests (tests/test_properties.py) and the fuzz
run (benchmarks/fuzz_readers.py): a fixture's gold rendered as text whose label columns wrap at a width
(tests/formats.py ``to_wrapped_text``), then changed the ways real documents differ: whitespace varied, a row
dropped or duplicated, two digits swapped, page furniture inserted, cells run together.

Each variant knows what the rules may give: ``numbers_kept`` says no printed number changed (only a swap
changes one), ``dropped`` names the template rows whose printed line is gone (their gold is null).
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Optional

from formats import to_wrapped_text
from giar.grid import parse_value
from giar.read.text import normalize
from giar.template import TABLES, TEMPLATES, YUAN

FIXTURES = Path(__file__).parent / "fixtures"
GOLDS = sorted(p for g in ("seeds", "hard") for p in (FIXTURES / g).glob("*.gold.json"))
FURNITURE = ("- 3 -", "第 2 页 共 9 页", "3 / 9", "— 12 —", "第5页")
_NUMBER = re.compile(r"(?<![\d.])\d{2,}(?![\d.])")
OPS = ("whitespace", "drop_row", "duplicate_row", "swap_digits", "furniture", "run_together", "crlf")


@cache
def gold(index: int) -> dict[str, Any]:
    return json.loads(GOLDS[index].read_text(encoding="utf-8"))


@cache
def rendering(index: int, width: int, layout: str) -> tuple[str, ...]:
    return tuple(to_wrapped_text(gold(index), width, layout).split("\n"))


@cache
def row_lines(index: int, width: int, layout: str) -> dict[int, tuple[str, ...]]:
    """Line index -> the template rows ("table.row") whose numbers that line prints, found by rendering the gold
    again with one row blank and seeing which line changes."""
    base = rendering(index, width, layout)
    g = gold(index)
    out: dict[int, list[str]] = {}
    for table in TABLES:
        for row, cols in (g.get(table) or {}).items():
            if not cols or all(v is None for v in cols.values()):
                continue
            blank = copy.deepcopy(g)
            blank[table][row] = {c: None for c in cols}
            other = to_wrapped_text(blank, width, layout).split("\n")
            changed = [i for i, (a, b) in enumerate(zip(base, other)) if a != b]
            if len(other) == len(base) and len(changed) == 1:
                out.setdefault(changed[0], []).append(f"{table}.{row}")
    return {i: tuple(rows) for i, rows in out.items()}


@cache
def blocks(index: int, width: int, layout: str) -> dict[int, range]:
    """Value line index -> the lines of its row: the value line and the label fragments wrapped below it (up to
    the next row, or a line the unwrapped rendering also prints: a heading, a header row, a paragraph)."""
    base = rendering(index, width, layout)
    fixed = set(rendering(index, 200, layout)) - {base[i] for i in row_lines(index, 200, layout)}
    starts = sorted(row_lines(index, width, layout))
    out = {}
    for i in starts:
        j = i + 1
        while j < len(base) and j not in row_lines(index, width, layout) and base[j] not in fixed and base[j].strip():
            j += 1
        out[i] = range(i, j)
    return out


@dataclass
class Variant:
    index: int  # which gold
    width: int
    layout: str
    text: str = ""
    ops: list[str] = field(default_factory=list)
    dropped: set[str] = field(default_factory=set)  # "table.row" whose line is gone
    numbers_kept: bool = True

    @property
    def name(self) -> str:
        return GOLDS[self.index].name.replace(".gold.json", "")

    def expected(self) -> dict[str, Any]:
        """The gold this variant should give: a dropped row's cells null."""
        g = copy.deepcopy(gold(self.index))
        for key in self.dropped:
            table, row = key.split(".")
            g[table][row] = {c: None for c in g[table][row]}
        return g


def apply(variant: Variant, lines: list[str], op: str, draw_int, value_lines: dict[int, tuple[str, ...]]) -> list[str]:
    """One perturbation; ``draw_int(lo, hi)`` chooses (hypothesis' draw or a random generator)."""
    variant.ops.append(op)
    table_at = min(value_lines, default=0)
    rows = sorted(value_lines)
    if op == "whitespace":
        i = draw_int(0, len(lines) - 1)
        how = draw_int(0, 3)
        if lines[i] is None:
            pass
        elif how == 0:
            lines[i] = lines[i] + "  "
        elif how == 1:
            lines[i] = "  " + lines[i] if "\t" in lines[i] else lines[i]
        elif how == 2:
            lines[i] = lines[i].replace("\t", " \t", 1)
        else:
            lines[i] = lines[i].replace("\t", "\t ", 1)
    elif op in ("drop_row", "duplicate_row") and rows:
        i = rows[draw_int(0, len(rows) - 1)]
        block = blocks(variant.index, variant.width, variant.layout)[i]
        base = rendering(variant.index, variant.width, variant.layout)
        if all(lines[k] == base[k] for k in block):  # the whole row, as printed (a row with its wrapped label)
            if op == "drop_row":
                variant.dropped.update(value_lines[i])
                for k in block:
                    lines[k] = None  # type: ignore[call-overload]  # removed at the end: indices stay valid
            else:
                lines[block[-1]] = lines[block[-1]] + "\n" + "\n".join(base[k] for k in block)
    elif op == "swap_digits":
        candidates = [(i, m) for i in rows if lines[i] for m in _NUMBER.finditer(lines[i]) if len(set(m.group())) > 1]
        if candidates:
            i, m = candidates[draw_int(0, len(candidates) - 1)]
            digits = list(m.group())
            k = draw_int(0, len(digits) - 2)
            if digits[k] != digits[k + 1]:
                digits[k], digits[k + 1] = digits[k + 1], digits[k]
                lines[i] = lines[i][: m.start()] + "".join(digits) + lines[i][m.end() :]
                variant.numbers_kept = False
    elif op == "furniture":
        i = draw_int(table_at, len(lines) - 1)
        if lines[i] is not None:
            lines[i] = lines[i] + "\n" + FURNITURE[draw_int(0, len(FURNITURE) - 1)]
    elif op == "run_together" and rows:
        i = rows[draw_int(0, len(rows) - 1)]
        if lines[i] and "\t" in lines[i]:
            cells = lines[i].split("\t")
            nums = [k for k in range(len(cells) - 1) if parse_value(cells[k]).kind == "number" and parse_value(cells[k + 1]).kind == "number"]
            if nums:
                k = nums[draw_int(0, len(nums) - 1)]
                cells[k : k + 2] = [cells[k] + cells[k + 1]]
                lines[i] = "\t".join(cells)
    return lines


def make(index: int, width: int, layout: str, ops: list[str], draw_int, crlf: bool = False) -> Variant:
    lines: list[Optional[str]] = list(rendering(index, width, layout))
    variant = Variant(index=index, width=width, layout=layout)
    value_lines = row_lines(index, width, layout)
    for op in ops:
        if op == "crlf":
            crlf = True
            variant.ops.append(op)
            continue
        lines = apply(variant, lines, op, draw_int, value_lines)  # type: ignore[arg-type]
    text = "\n".join(line for line in lines if line is not None)
    variant.text = text.replace("\n", "\r\n") if crlf else text
    return variant


# --- what a value's provenance must say ------------------------------------------------------------------


def readings(printed: str) -> list[float]:
    """The numbers a printed cell may stand for after the documented normalisations: full-width to ASCII,
    separators and spaces dropped, a dash is 0, an amount in 元 is also read in 万元."""
    v = parse_value(normalize(printed))
    if v.kind == "dash":
        return [0.0]
    if v.kind != "number" or v.value is None:
        return []
    out = [float(v.value)]
    if v.unit == YUAN:
        out.append(float(v.value) / 10000)
    return out


def provenance_problems(report, text: str) -> list[str]:
    """Every non-null value the rules read must parse, from the text at its span, to itself; an inferred
    value has no span."""
    problems = []
    for key, p in report.provenance.items():
        table, row, col = key.split(".")
        value = (getattr(report, table).get(row) or {}).get(col)
        if value is None:
            continue
        if p.method == "inferred":
            if p.span is not None:
                problems.append(f"{key}: inferred but has a span")
            continue
        if p.method != "rules":
            continue
        if p.span is None:
            problems.append(f"{key}: read by the rules without a span")
            continue
        a, b = p.span
        printed = text[a:b]
        if not any(math.isclose(value, r, rel_tol=1e-9, abs_tol=1e-9) for r in readings(printed)):
            problems.append(f"{key}: {value!r} but the text at {a}:{b} is {printed!r}")
    return problems


def template_keys(g: dict[str, Any]) -> list[str]:
    return [k for t in TABLES for k in TEMPLATES[g["meta"]["template"]].tables[t].keys()]
