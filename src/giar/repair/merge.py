"""What of a model's answer enters the report: only cells the rules left open, only where the answer agrees with
what the reader saw, and only if the whole table then breaks no rule the rules' reading did not break.

The steps, for one table:

1. **Agreement.** Every number the answer places must stay where the reader saw it (``giar.repair.reading``):
   on its row, under its column, in the table's printed order, one row per printed line, and a cell the rules
   read stays the number they read. One disagreement rejects the whole answer: a model that moves a number
   the reader placed is not trusted with the numbers the reader could not place.
2. **Open cells only.** Cells the rules left null, and those of rows they flagged (ambiguous, unmatched,
   missing), are set; a cell read cleanly or fixed by the arithmetic never is, and amounts (whose unit is the
   rules' to decide) never are.
3. **No row the reader did not see.** A number on a line the reader could not attach to a row, where the order
   leaves it more than one row, is not merged.
4. **The whole table, again.** The answer is merged into a copy, the arithmetic infers what it now fixes, and
   the table is checked: any rule broken that the rules' reading did not break rolls the repair back, all of
   it. Rules the source itself breaks do not count against a faithful answer.
5. **Arithmetic for the columns the reader did not see.** A number whose column the reader did not see (a row
   printed with fewer numbers than columns) stays only where an equation over printed numbers holds with it;
   otherwise it is not merged, and 4 runs again without it.

The result says which cells were merged, inferred after, and left out, with findings; the caller's cells
change only when the repair is taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from ..model import Finding, RepairOutcome, Token
from ..status import FindingKind, RowStatus
from ..template import TEMPLATES, TemplateName, rules
from ..validate import broken, evaluate
from .reading import Reading

if TYPE_CHECKING:
    from ..pipeline import Cells

PRINTED = ("rules", "llm", "human")  # methods of a value read from the page (not derived)


@dataclass
class Merged:
    """What one answer did to one table."""

    accepted: bool = False
    merged: list[str] = field(default_factory=list)  # cells set from the answer
    inferred: list[str] = field(default_factory=list)  # cells the arithmetic fixed after the merge
    dropped: list[str] = field(default_factory=list)  # answer cells left out: nothing confirms their place
    findings: list[Finding] = field(default_factory=list)


def open_cells(table: str, template: TemplateName, cells: Cells) -> set[str]:
    """Cells of this table an answer may set: null ones, and those of rows the rules flagged (ambiguous,
    unmatched, missing). Never a value the rules read cleanly or the arithmetic fixed, never an amount."""
    amounts = {
        f"{table}.{r.key}.{c.key}" for r in TEMPLATES[template].tables[table].rows for c in r.columns if c.kind == "amount"
    }
    out = set()
    for k, v in cells.values.items():
        if not k.startswith(table + ".") or k in amounts:
            continue
        if (cells.prov.get(k) or {}).get("method") == "inferred":
            continue
        row_status = cells.status.get(k.rsplit(".", 1)[0])
        if v is None or (row_status is not None and row_status.flagged):
            out.add(k)
    return out


def answer_cells(outcome: RepairOutcome, reading: Reading) -> dict[str, int]:
    """'table.row.column' -> token id, for every cell the answer filled."""
    out = {}
    for key, prov in outcome.provenance.items():
        tid = reading.token(prov.span)
        if tid is not None:
            out[key] = tid
    return out


def disagreements(reading: Reading, answer: dict[str, int], cells: Cells, opened: set[str]) -> list[str]:
    """Where the answer contradicts the reader (empty: it agrees)."""
    tokens = {t.id: t for t in reading.tokens}
    out: list[str] = []
    for key, tid in answer.items():
        _, row, col = key.split(".")
        t, seen = tokens[tid], reading.seen[tid]
        where = reading.row_of(tid)
        if where is not None and where != row:
            out.append(f"#{tid} ({t.text}) stands on the line of row {where}, the answer puts it in {row}")
        elif seen.column is not None and seen.column != col:
            out.append(f"#{tid} ({t.text}) stands under column {seen.column}, the answer puts it in {col}")
        if key not in opened:
            read_as = reading.token((cells.prov.get(key) or {}).get("span"))
            if read_as is not None and read_as != tid:
                out.append(f"{key} was read as #{read_as}, the answer says #{tid}")
            elif read_as is None and cells.values.get(key) is not None and cells.values[key] != t.value:
                out.append(f"{key} is {cells.values[key]} by the arithmetic, the answer says #{tid} ({t.text})")
    if out:
        return out
    view = _view(reading, answer, cells, opened)
    if reading.one_row_per_line:
        rows_on: dict[int, set[str]] = {}
        for key, tid in view.items():
            rows_on.setdefault(reading.seen[tid].line, set()).add(key.split(".")[1])
        for rows in rows_on.values():
            if len(rows) > 1:
                out.append(f"the numbers printed on one line go to {len(rows)} rows ({', '.join(sorted(rows))})")
    if reading.in_order:
        ranked = sorted(view.items(), key=lambda kv: (reading.seen[kv[1]].line, reading.seen[kv[1]].pos))
        for (k1, t1), (k2, t2) in zip(ranked, ranked[1:]):
            c1, c2 = k1.split(".", 1)[1], k2.split(".", 1)[1]
            if reading.order(c2) <= reading.order(c1):
                out.append(f"#{t2} is printed after #{t1}, but the answer puts it in {c2}, before {c1}")
                break
    return out


def _view(reading: Reading, answer: dict[str, int], cells: Cells, opened: set[str]) -> dict[str, int]:
    """The table as it would be placed: the answer in open cells, the rules' tokens elsewhere."""
    view: dict[str, int] = {}
    for key in cells.values:
        if not key.startswith(reading.table + "."):
            continue
        if key in opened and key in answer:
            view[key] = answer[key]
        elif key not in opened:
            tid = reading.token((cells.prov.get(key) or {}).get("span"))
            if tid is not None:
                view[key] = tid
    return view


def merge(
    reading: Reading,
    outcome: RepairOutcome,
    cells: Cells,
    baseline: set[str],
    label: str,
) -> Merged:
    """Merge one accepted answer into ``cells`` (in place, only if it is taken)."""
    from ..pipeline import fill

    table, template = reading.table, reading.template
    result = Merged()
    answer = answer_cells(outcome, reading)
    opened = open_cells(table, template, cells)
    wrong = disagreements(reading, answer, cells, opened)
    if wrong:
        result.findings.append(
            _finding(table, f"repair rejected whole: the answer disagrees with what the reader saw: {_list(wrong)}")
        )
        return result
    tokens = {t.id: t for t in reading.tokens}
    candidate = {k: tid for k, tid in answer.items() if k in opened}
    # a count is whole and never negative; a number the reader could not attach to a row has no place the answer
    # can prove
    unplaced = sorted(
        k for k, tid in candidate.items() if reading.row_of(tid) is None or not _fits(k, tokens[tid].value, template)
    )
    for k in unplaced:
        del candidate[k]
    result.dropped += unplaced
    while True:
        trial = _copy(cells)
        _apply(trial, candidate, tokens, label)
        _settle(trial, reading, candidate, cells)
        notes = fill(trial, template)
        now = {f.rule for f in broken(trial.values, template, tables={table}) if f.rule}
        new = sorted(now - baseline)
        if new:
            result.findings.append(
                _finding(table, f"repair rolled back whole: merged, the table breaks {len(new)} rule(s) the rules' "
                f"reading did not break: {_list(new)}")
            )
            result.dropped = []
            return result
        unsure = sorted(
            k
            for k, tid in candidate.items()
            if reading.seen[tid].column is None and not _holds(k, trial, template)
        )
        if not unsure:
            break
        for k in unsure:
            del candidate[k]
        result.dropped += unsure
    if result.dropped:
        result.findings.append(
            _finding(
                table,
                f"{len(result.dropped)} cell(s) of the answer not merged: neither the reader's placement nor an "
                f"equation over printed numbers confirms where they belong: {_list(result.dropped)}",
            )
        )
    if not candidate:
        result.findings.append(_finding(table, "nothing of the answer merged"))
        return result
    inferred = [k for k, p in trial.prov.items() if p.get("method") == "inferred" and k not in cells.prov]
    cells.values, cells.prov, cells.status = trial.values, trial.prov, trial.status
    result.accepted = True
    result.merged = sorted(candidate)
    result.inferred = sorted(inferred)
    result.findings += [n for n in notes if n.key in inferred or n.key is None]
    result.findings.append(
        _finding(
            table,
            f"{len(candidate)} cell(s) merged from the answer ({label}), each where the reader saw its number or "
            f"an equation over printed numbers holds with it; the table then breaks no rule the rules' reading did "
            f"not break" + (f"; {len(inferred)} more fixed by the arithmetic" if inferred else ""),
        )
    )
    return result


def _settle(trial: Cells, reading: Reading, candidate: dict[str, int], cells: Cells) -> None:
    """A row the answer placed every printed number of, each where the reader saw it, is no longer in doubt:
    the arithmetic may fill its blanks (inference runs again after the merge)."""
    table = reading.table
    for row in {k.split(".")[1] for k in candidate}:
        mine = {t.id for t in reading.tokens if reading.row_of(t.id) == row}
        placed = set(candidate.values()) | {
            reading.token((cells.prov.get(k) or {}).get("span")) for k in cells.prov if k.startswith(f"{table}.{row}.")
        }
        if mine and mine <= placed:
            trial.status[f"{table}.{row}"] = RowStatus.REPAIRED


def _fits(key: str, value: float, template: TemplateName) -> bool:
    """A count is whole and never negative (a changed count, 本年增/减, may be negative)."""
    table, row, col = key.split(".")
    kind = next(c.kind for c in TEMPLATES[template].tables[table].row(row).columns if c.key == col)
    return float(value).is_integer() and (kind == "signed" or value >= 0)


def _holds(key: str, trial: Cells, template: TemplateName) -> bool:
    """Does an equation over printed numbers (none inferred) hold with this cell?"""
    for rule in rules(template):
        if key not in rule.cells:
            continue
        if any((trial.prov.get(k) or {}).get("method") not in PRINTED for k in rule.cells):
            continue
        sides = evaluate(rule, trial.values)
        if sides is not None and sides[0] == sides[1]:
            return True
    return False


def _copy(cells: Cells) -> Cells:
    from ..pipeline import Cells

    return Cells(
        values=dict(cells.values),
        prov={k: dict(v) for k, v in cells.prov.items()},  # type: ignore[misc]
        status=dict(cells.status),
        sums=cells.sums,
        sum_rules=cells.sum_rules,
    )


def _apply(cells: Cells, candidate: dict[str, int], tokens: dict[int, Token], label: str) -> None:
    for key, tid in candidate.items():
        t = tokens[tid]
        value = int(t.value) if isinstance(t.value, float) and t.value == int(t.value) else t.value
        cells.values[key] = value
        cells.prov[key] = {"method": "llm", "span": t.span, "text": t.text, "repairs": [f"llm:{label}"]}
        cells.status[key] = RowStatus.REPAIRED


def _finding(table: str, message: str, key: Optional[str] = None) -> Finding:
    return Finding(kind=FindingKind.LLM, stage="llm", key=key or table, message=message)


def _list(items: list[str], limit: int = 6) -> str:
    return "; ".join(items[:limit]) + (f"; … {len(items) - limit} more" if len(items) > limit else "")
