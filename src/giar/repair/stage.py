"""The repair stage of the pipeline: which tables go to the LLM, what it is shown, and what of its answer is kept.

A table goes only when a model could fill something in it: a cell the rules left open (null, or in a row they
flagged) and a printed number the rules did not place. The model is shown only the rows in doubt, the lines
around them, the column headings and the numbers the rules placed on those lines (``send less``); it answers
with token ids for the rows in doubt. What of the answer enters the report is ``giar.repair.merge``'s decision:
never a value the rules placed cleanly or the arithmetic inferred, and nothing at all when the answer
disagrees with the reader or the merged table breaks a rule the rules' reading did not.

Every failure of the endpoint (unreachable, not JSON, garbage, too slow, rate limited) leaves the rules'
result and a finding; the time budget (``LLMConfig.max_elapsed``) holds for all repairs of one document.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Optional

from ..model import Document, Finding, Grid, RepairOutcome, RepairRequest, Token, Usage
from ..status import FindingKind
from ..template import TEMPLATES, TemplateName, rules
from ..validate import broken
from . import merge as merging
from .reading import Reading, grid_tokens, read

if TYPE_CHECKING:
    from ..pipeline import Cells, Trace
    from .cache import RepairCache
    from .config import LLMConfig

HEADER_CHARS = 600  # column headings shown above an excerpt, at most


def tokens(grid: Optional[Grid]) -> list[Token]:
    """Every number (and dash, read as 0) the reader found in a table's grid, in reading order."""
    return grid_tokens(grid)[0]


def request(
    table: str, template: TemplateName, text: str, start: int, end: int, grid: Optional[Grid], reasons: list[str]
) -> RepairRequest:
    """The whole table: its region and every token (``force_llm``, and tests)."""
    return RepairRequest(
        table=table, template=template, region_text=text[start:end], region_start=start, tokens=tokens(grid), reasons=reasons
    )


def focused(
    reading: Reading, text: str, start: int, end: int, grid: Grid, cells: Cells, reasons: list[str], whole: bool
) -> Optional[RepairRequest]:
    """Only the rows in doubt and the lines around them, or None when nothing could be filled."""
    table, template = reading.table, reading.template
    opened = merging.open_cells(table, template, cells)
    taken = {reading.token((p or {}).get("span")) for k, p in cells.prov.items() if k.startswith(table + ".")}
    free = [t for t in reading.tokens if t.id not in taken]
    if not whole and not mergeable(reading, opened, free):
        return None
    spec = TEMPLATES[template].tables[table]
    asked = [r.key for r in spec.rows if whole or any(f"{table}.{r.key}.{c.key}" in opened for c in r.columns)]
    baseline = sorted({f.rule for f in broken(cells.values, template, tables={table}) if f.rule})
    known = {
        k.split(".", 1)[1]: tid
        for k, p in cells.prov.items()
        if k.startswith(table + ".") and (tid := reading.token((p or {}).get("span"))) is not None
    }
    if whole:
        excerpt = (start, end)
        header = ""
    else:
        lines = {reading.seen[t.id].line for t in free} | {
            reading.seen[t.id].line for t in reading.tokens if reading.seen[t.id].row in asked
        }
        excerpt = _excerpt(text, start, end, grid, sorted(lines), reading)
        header = text[start : _line_start(text, _first_data(grid, reading, start))].strip()[:HEADER_CHARS]
        header = "" if excerpt[0] <= start + len(header) else header
    shown = [t for t in reading.tokens if excerpt[0] <= t.span[0] and t.span[1] <= excerpt[1]]
    ids = {t.id for t in shown}
    return RepairRequest(
        table=table,
        template=template,
        region_text=text[excerpt[0] : excerpt[1]],
        region_start=excerpt[0],
        tokens=shown,
        reasons=reasons,
        rows=[] if whole else asked,
        known={k: v for k, v in known.items() if v in ids},
        header=header,
        broken=baseline,
    )


def mergeable(reading: Reading, opened: set[str], free: list[Token]) -> bool:
    """Could any answer be merged here? Only a free number on a row the reader saw (or the order leaves it) can
    fill an open cell of that row, and only under the column the reader saw it under or where an equation
    could confirm it (``giar.repair.merge``). Where none can, the table is not sent at all."""
    checked = {c for r in rules(reading.template) for c in r.cells}
    for t in free:
        row = reading.row_of(t.id)
        if row is None:
            continue
        col = reading.seen[t.id].column
        cells = [k for k in opened if k.split(".")[1] == row and (col is None or k.endswith("." + col))]
        if any(col is not None or k in checked for k in cells):
            return True
    return False


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _first_data(grid: Grid, reading: Reading, default: int) -> int:
    first = min((reading.seen[t.id].line for t in reading.tokens), default=None)
    if first is None or not grid.rows[first].cells:
        return default
    return grid.rows[first].cells[0].span[0]


def _excerpt(text: str, start: int, end: int, grid: Grid, lines: list[int], reading: Reading) -> tuple[int, int]:
    """From the line with numbers before the first line in doubt to the one after the last (label fragments
    between them included), cut at line ends."""
    with_numbers = sorted({reading.seen[t.id].line for t in reading.tokens})
    if not lines or not with_numbers:
        return start, end
    lo = max([n for n in with_numbers if n < lines[0]], default=lines[0])
    hi = min([n for n in with_numbers if n > lines[-1]], default=lines[-1])
    hi_end = min(len(grid.rows), hi + 3) if hi == with_numbers[-1] else hi + 1  # a wrapped label's tail
    spans = [c.span for r in grid.rows[lo:hi_end] for c in r.cells if c.text]
    if not spans:
        return start, end
    a = max(start, _line_start(text, min(s[0] for s in spans)))
    b = min(end, _line_end(text, max(s[1] for s in spans)))
    return a, b


def add_usage(total: Usage, part: Usage) -> Usage:
    return Usage(
        calls=total.calls + part.calls,
        prompt_tokens=total.prompt_tokens + part.prompt_tokens,
        completion_tokens=total.completion_tokens + part.completion_tokens,
        seconds=round(total.seconds + part.seconds, 3),
        cached=total.cached + part.cached,
        model=part.model or total.model,
    )


def repair(
    doc: Document,
    trace: Trace,
    template: TemplateName,
    targets: list[str],
    cells: Cells,
    findings: list[Finding],
    llm: LLMConfig,
    cache: Optional[RepairCache],
    whole: bool = False,
) -> tuple[Usage, list[Finding]]:
    """The LLM fallback on the tables that need it; whatever the endpoint does, the rules' result stays."""
    from . import PROMPT_NAME, PROMPT_VERSION, repair_table

    label = f"{PROMPT_NAME}.v{PROMPT_VERSION}"
    usage = Usage()
    findings = list(findings)
    regions = {r.name: r for r in trace.regions}
    deadline = time.monotonic() + llm.max_elapsed  # one budget for every repair of this document
    for table in targets:
        region, grid = regions.get(table), trace.grids.get(table)
        if region is None or grid is None:
            findings.append(_note(table, f"{table}: no region to send to the LLM"))
            continue
        structured = doc.format in ("html", "docx")
        reading = read(table, template, grid, trace.rows.get(table, []), trace.placed.get(table), trace.settings, structured)
        reasons = [f.message for f in findings if f.table == table][:8]
        req = focused(reading, doc.text, region.start, region.end, grid, cells, reasons, whole)
        if req is None:
            findings.append(
                _note(table, f"{table}: not sent to the LLM: every printed number is placed, or no cell is open")
            )
            continue
        outcome = _within_budget(repair_table, req, llm, cache, deadline)
        if llm.agree_with is not None and outcome.accepted:
            outcome = agreed(table, outcome, _within_budget(repair_table, req, llm.agree_with, cache, deadline))
        trace.repairs[table] = outcome
        usage = add_usage(usage, outcome.usage)
        findings.extend(outcome.findings)
        if outcome.accepted:
            baseline = {f.rule for f in broken(cells.values, template, tables={table}) if f.rule}
            done = merging.merge(reading, outcome, cells, baseline, label)
            findings.extend(done.findings)
    return usage, findings


def agreed(table: str, first: RepairOutcome, second: RepairOutcome) -> RepairOutcome:
    """Two models' answers as one: only the cells where both cite the same printed number (agreement as a
    guard: what it costs in filled cells, and saves in wrong ones, is measured by ``giar bench``)."""
    usage = add_usage(first.usage, second.usage)
    findings = first.findings + second.findings
    if not second.accepted:
        return RepairOutcome(accepted=False, usage=usage, findings=findings)
    same = {
        k
        for k, p in first.provenance.items()
        if (q := second.provenance.get(k)) is not None and q.span == p.span
    }
    values = {k: (v if k in same else None) for k, v in first.values.items()}
    provenance = {k: p for k, p in first.provenance.items() if k in same}
    differ = len(first.provenance) + len(second.provenance) - 2 * len(same)
    note = f"two models agree on {len(same)} cell(s); {differ} cell(s) one of them filled differently are left out"
    return RepairOutcome(
        accepted=bool(same), values=values, provenance=provenance, usage=usage,
        findings=[*findings, _note(table, note)],
    )


def estimate(req: RepairRequest, llm: LLMConfig) -> int:
    """Tokens one repair may cost, on the safe side: the rendered prompt's characters (a Chinese character is
    at most about one token) and the response schema's, plus an answer of a few tokens per cell asked."""
    from . import PROMPT_NAME, PROMPT_VERSION, prompts
    from .schema import answer_model, schema_of

    sent = sum(len(m["content"]) for m in prompts.render(prompts.load(PROMPT_NAME, PROMPT_VERSION), req))
    schema = len(json.dumps(schema_of(answer_model(req))))
    rows = TEMPLATES[req.template].tables[req.table].rows
    cells = sum(len(r.columns) for r in rows if not req.rows or r.key in req.rows)
    return sent + schema + min(llm.max_tokens or 4096, 16 * cells)


def _within_budget(repair_table, req: RepairRequest, llm: LLMConfig, cache, deadline: float) -> RepairOutcome:
    """One repair, if the run's budget (tokens, concurrent requests) allows it; otherwise a finding."""
    from .budget import Budget

    budget = Budget.of(llm)
    if budget is None:
        return _ask(repair_table, req, llm, cache, deadline)
    cost = estimate(req, llm)
    if not budget.reserve(cost):
        return _refused(req, llm, f"{req.table}: not sent: the run's LLM budget ({llm.budget_tokens} tokens) is "
                        f"spent or too small for this repair (about {cost}); the rules' reading stands")
    outcome: Optional[RepairOutcome] = None
    try:
        with budget.slot(deadline) as free:
            if free:
                outcome = _ask(repair_table, req, llm, cache, deadline)
    finally:
        used = outcome.usage if outcome is not None else Usage()
        budget.settle(cost, used.prompt_tokens + used.completion_tokens, used.calls)
    if outcome is None:
        return _refused(req, llm, f"{req.table}: not sent: no request slot came free within the time budget "
                        f"({llm.max_concurrent} at once); the rules' reading stands")
    return outcome


def _refused(req: RepairRequest, llm: LLMConfig, message: str) -> RepairOutcome:
    return RepairOutcome(accepted=False, usage=Usage(model=llm.model), findings=[_note(req.table, message)])


def _ask(repair_table, req: RepairRequest, llm: LLMConfig, cache, deadline: float) -> RepairOutcome:
    """One repair; an error no handler foresaw (a client library's own bug on a strange answer) is a finding,
    never the loss of the document."""
    try:
        return repair_table(req, llm, cache, deadline=deadline)
    except Exception as e:  # the rules' result must survive whatever the endpoint sends
        return _refused(req, llm, f"LLM repair failed: {type(e).__name__}: {str(e)[:300]}")


def _note(table: str, message: str) -> Finding:
    return Finding(kind=FindingKind.LLM, stage="llm", key=table, message=message)
