"""Stage 4b, infer: fill the blanks that the tables' own arithmetic determines, and nothing else.

The rules of SCHEMA.md are a small system of linear equations over non-negative integers. Propagation to a
fixed point solves what it determines: an equation with one unknown gives that unknown; an equation whose
known side already equals the other side's known part forces its unknowns to 0 (counts are never
negative). Every filled value is then checked against every equation it takes part in; if the printed
numbers contradict one another, nothing is filled there (precision before recall).
"""

from __future__ import annotations

from typing import Optional, Sequence

from .model import Finding, Number
from .template import Rule, TemplateName, rules
from .validate import evaluate


def _solve_one(rule: Rule, values: dict[str, Optional[Number]]) -> dict[str, Number]:
    unknown_l = [k for k in rule.lhs if values.get(k) is None]
    unknown_r = [k for k in rule.rhs if values.get(k) is None]
    known_l = sum(values[k] for k in rule.lhs if values.get(k) is not None)  # type: ignore[misc]
    known_r = sum(values[k] for k in rule.rhs if values.get(k) is not None)  # type: ignore[misc]
    if not unknown_l and not unknown_r:
        return {}
    if len(unknown_l) + len(unknown_r) == 1:
        k = (unknown_l or unknown_r)[0]
        v = known_r - known_l if unknown_l else known_l - known_r
        return {k: v} if v >= 0 else {}
    # several unknowns on one side only: if the other side is already met, they are all 0
    if unknown_l and not unknown_r and known_l == known_r:
        return {k: 0 for k in unknown_l}
    if unknown_r and not unknown_l and known_r == known_l:
        return {k: 0 for k in unknown_r}
    return {}


def infer(
    values: dict[str, Optional[Number]],
    template: TemplateName,
    tables: set[str],
    extra_rules: Sequence[Rule] = (),
    extra_values: Optional[dict[str, Number]] = None,
) -> tuple[dict[str, Number], list[Finding]]:
    """The values the arithmetic fixes, keyed by cell, and a finding for each (or for each refusal).

    ``extra_rules`` and ``extra_values`` carry equations the document printed beyond the template (a printed
    sum of several template rows); their cells take part in solving but are never returned."""
    work = {**values, **(extra_values or {})}
    eqs = [
        r
        for r in [*rules(template), *extra_rules]
        if r.lhs[0].split(".")[0] in tables and all(k in work for k in r.cells)
    ]
    unknown = {k for k, v in work.items() if v is None}
    if not unknown:
        return {}, []
    filled: dict[str, tuple[Number, str]] = {}
    changed = True
    open_eqs = [r for r in eqs if any(k in unknown for k in r.cells)]
    while changed:
        changed = False
        for rule in open_eqs:
            for k, v in _solve_one(rule, work).items():
                if work.get(k) is None:
                    work[k] = v
                    filled[k] = (v, rule.name)
                    changed = True
    if not filled:
        return {}, []
    findings: list[Finding] = []
    bad = {
        r.name for r in eqs if any(k in filled for k in r.cells) and (s := evaluate(r, work)) and s[0] != s[1]
    }
    if bad:
        findings.append(
            Finding(
                kind="inferred",
                message=f"blank cells not filled: the printed numbers contradict each other ({', '.join(sorted(bad))})",
            )
        )
        return {}, findings
    for k, (v, why) in filled.items():
        findings.append(Finding(kind="inferred", key=k, message=f"{k} = {v}: printed blank or lost, fixed by {why}"))
    return {k: v for k, (v, _) in filled.items() if k in values}, findings

