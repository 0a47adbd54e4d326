"""Stage 4b, infer: fill the blanks that the tables' own arithmetic determines, and nothing else.

SCHEMA allows exactly three fills: a blank 总计 whose parts are present (a row's total, a group's total, the
（七）总计 row from the outcome rows); blanks whose printed total leaves only 0 for them (counts are never
negative) — the same reasoning fixes rows lost at a page break when their totals are 0; and nothing else. So an
equation gives a non-zero value only to the total it defines, never to one of its parts; cells the matcher
could not place (``frozen``) are never filled. Propagation runs to a fixed point; every filled value is then
checked against every equation it takes part in, and if the printed numbers contradict one another nothing
is filled (precision before recall).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from .model import Finding, Number
from .status import FindingKind
from .template import Rule, TemplateName, rules
from .validate import evaluate

_TOTALS = ("rule2:", "rule3:", "rule4:")  # equations whose right side is a printed 总计


def _solve_one(rule: Rule, values: dict[str, Optional[Number]]) -> dict[str, Number]:
    unknown_l = [k for k in rule.lhs if values.get(k) is None]
    unknown_r = [k for k in rule.rhs if values.get(k) is None]
    known_l = sum(values[k] for k in rule.lhs if values.get(k) is not None)  # type: ignore[misc]
    known_r = sum(values[k] for k in rule.rhs if values.get(k) is not None)  # type: ignore[misc]
    if not unknown_l and not unknown_r:
        return {}
    if len(unknown_l) + len(unknown_r) == 1 and unknown_r and rule.name.startswith(_TOTALS):
        v = known_l - known_r  # a blank 总计 whose parts are all present
        return {unknown_r[0]: v} if v >= 0 else {}
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
    frozen: frozenset[str] = frozenset(),
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
                if work.get(k) is None and k not in frozen:
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
                kind=FindingKind.INFERRED,
                message=f"blank cells not filled: the printed numbers contradict each other ({', '.join(sorted(bad))})",
            )
        )
        return {}, findings
    for k, (v, why) in filled.items():
        findings.append(Finding(kind=FindingKind.INFERRED, key=k, message=f"{k} = {v}: printed blank or lost, fixed by {why}"))
    return {k: v for k, (v, _) in filled.items() if k in values}, findings

