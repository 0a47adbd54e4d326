"""The repair stage of the pipeline: which tables go to the LLM, what it is shown, and what of its answer is kept.

Only tables the rules left inconsistent or incomplete are sent (or all, when forced for a benchmark). The
model sees that table's region and the numbers the reader found there as tokens. Its answer replaces only
cells the rules could not settle — null cells and cells of rows the rules flagged — never a value the rules
placed cleanly or the arithmetic inferred (seed 003's lost rows stay inferred: the model may not supply them).
"""

from __future__ import annotations

from typing import Optional

from ..grid import parse_value
from ..model import Finding, Grid, Number, ProvDict, RepairOutcome, RepairRequest, Token, Usage
from ..status import FindingKind, RowStatus
from ..template import TemplateName


def tokens(grid: Optional[Grid]) -> list[Token]:
    """Every number (and dash, read as 0) the reader found in a table's grid, in reading order."""
    out: list[Token] = []
    if grid is None:
        return out
    for row in grid.rows:
        for cell in row.cells:
            v = parse_value(cell.text)
            if v.kind in ("number", "dash") and v.value is not None:
                out.append(Token(id=len(out), text=cell.text, value=v.value, span=cell.span))
    return out


def request(
    table: str, template: TemplateName, text: str, start: int, end: int, grid: Optional[Grid], reasons: list[str]
) -> RepairRequest:
    return RepairRequest(
        table=table, template=template, region_text=text[start:end], region_start=start, tokens=tokens(grid), reasons=reasons
    )


def open_cells(
    table: str, values: dict[str, Optional[Number]], prov: dict[str, ProvDict], status: dict[str, RowStatus]
) -> set[str]:
    """Cells of this table an LLM answer may set: null ones, and those in rows the rules flagged (ambiguous,
    unmatched, missing). A row read cleanly whose printed numbers break the arithmetic is not among them: what
    the document printed is reported, never rewritten (SCHEMA), by the rules or by a model."""
    out = set()
    for k in values:
        if not k.startswith(table + "."):
            continue
        if (prov.get(k) or {}).get("method") == "inferred":
            continue
        row_status = status.get(k.rsplit(".", 1)[0])
        if values[k] is None or (row_status is not None and row_status.flagged):
            out.add(k)
    return out


def merge(
    outcome: RepairOutcome, allowed: set[str], values: dict[str, Optional[Number]], prov: dict[str, ProvDict]
) -> tuple[list[str], list[Finding]]:
    """Apply an accepted repair to the cells it may set; a token used twice voids the whole repair.

    Returns the cells it changed."""
    spans = [p.span for p in outcome.provenance.values() if p.span is not None]
    if len(spans) != len(set(spans)):
        return [], [
            Finding(
                kind=FindingKind.LLM, stage="llm", message="repair rejected whole: one printed number was placed in two cells"
            )
        ]
    changed: list[str] = []
    kept: list[str] = []
    for key, v in outcome.values.items():
        if v is None or values.get(key) == v:
            continue
        if key not in allowed:
            if values.get(key) is not None:
                kept.append(f"{key} (rules {values[key]}, model {v})")
            continue
        values[key] = v
        prov[key] = outcome.provenance[key].model_dump(exclude_none=True)  # type: ignore[assignment]
        changed.append(key)
    notes = []
    if kept:
        notes.append(
            Finding(
                kind=FindingKind.LLM,
                stage="llm",
                message=f"the model read {len(kept)} cell(s) differently from a clean rules reading; the printed "
                f"reading is kept: {', '.join(kept[:6])}{' …' if len(kept) > 6 else ''}",
            )
        )
    return changed, notes


def add_usage(total: Usage, part: Usage) -> Usage:
    return Usage(
        calls=total.calls + part.calls,
        prompt_tokens=total.prompt_tokens + part.prompt_tokens,
        completion_tokens=total.completion_tokens + part.completion_tokens,
        seconds=round(total.seconds + part.seconds, 3),
        cached=total.cached + part.cached,
        model=part.model or total.model,
    )
