"""The arithmetic rules of SCHEMA.md, checked on typed values placed on template keys (never on text).

A broken equation is reported with both sides; the printed numbers are left as printed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from .model import Finding, Number
from .status import FindingKind
from .template import Rule, TemplateName, rules

Values = Mapping[str, Optional[Number]]


def evaluate(rule: Rule, values: Values) -> Optional[tuple[Number, Number]]:
    """Both sides of one equation, or None when a cell is unknown."""
    cells = [values.get(k) for k in rule.cells]
    if any(v is None for v in cells):
        return None
    lhs = sum(values[k] for k in rule.lhs)  # type: ignore[misc]
    rhs = sum(values[k] for k in rule.rhs)  # type: ignore[misc]
    return lhs, rhs


def broken(values: Values, template: TemplateName, tables: Optional[set[str]] = None) -> list[Finding]:
    """One finding per broken equation, naming row, column and both sides."""
    out: list[Finding] = []
    for rule in rules(template):
        table = rule.lhs[0].split(".")[0]
        if tables is not None and table not in tables:
            continue
        sides = evaluate(rule, values)
        if sides is None or sides[0] == sides[1]:
            continue
        lhs, rhs = sides
        out.append(
            Finding(
                kind=FindingKind.ARITHMETIC,
                key=_where(rule),
                rule=rule.name,
                message=f"{rule.name}: {' + '.join(_short(k) for k in rule.lhs)} = {lhs}, "
                f"but {' + '.join(_short(k) for k in rule.rhs)} = {rhs} (printed numbers kept)",
            )
        )
    return out


def _short(key: str) -> str:
    return key.split(".", 1)[1]


def _where(rule: Rule) -> str:
    """The row or column an equation is about: the common prefix of its cells."""
    parts = [k.split(".") for k in rule.cells]
    table = parts[0][0]
    rows = {p[1] for p in parts}
    cols = {p[2] for p in parts}
    if len(rows) == 1:
        return f"{table}.{rows.pop()}"
    if len(cols) == 1:
        return f"{table}.*.{cols.pop()}"
    return table
