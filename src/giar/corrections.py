"""A person's corrections of misread values, kept in a small JSON file and applied on every later run.

The review page (``giar review``) writes the file; ``giar extract --corrections FILE`` applies it. A correction
states what the document prints where giar misread it: the value becomes ``method: "human"`` with the reading
it replaced kept in ``Provenance.original``. A confirmation says giar's reading is right (a finding records
it). Each entry names its document by content hash (``Report.content_hash``): if the document at that source
changed since, the entry is reported and not applied. A source whose own arithmetic is broken is not
"corrected": the arithmetic is checked again on the corrected values, and a rule that holds only because of a
correction keeps a finding that says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from .model import Finding, Number, Provenance, Report
from .status import FindingKind
from .template import TEMPLATES, Column, TemplateName
from .validate import broken

STAGE = "human"
HUMAN = FindingKind.HUMAN


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_hash: str  # Report.content_hash of the document the person looked at
    key: str  # "table.row.column"
    value: Optional[Number] = None  # what the document prints (null: printed blank); for a confirmation, the value seen
    note: str = ""
    confirmed: bool = False  # True: the reading is right as it is; False: the document prints ``value``
    source: Optional[str] = None  # the document's path as given, to report a correction whose document changed


class Corrections(BaseModel):
    model_config = ConfigDict(extra="forbid")

    giar_corrections: Literal[1] = 1  # format version
    corrections: list[Correction] = Field(default_factory=list)


def load(path: str | Path) -> Corrections:
    return Corrections.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))


def _column(template: TemplateName, key: str) -> Column:
    table, row, col = key.split(".")
    return next(c for c in TEMPLATES[template].tables[table].row(row).columns if c.key == col)


def _coerce(report: Report, c: Correction) -> Optional[Number]:
    """The value in the column's type, or a ValueError saying why it cannot stand there."""
    template = report.meta.template
    if template is None or c.key not in TEMPLATES[template].keys():
        raise ValueError(f"{c.key} is not a cell of this report's template ({template})")
    if c.value is None:
        return None
    kind = _column(template, c.key).kind
    if kind == "amount":
        return float(c.value)
    if float(c.value) != int(c.value):
        raise ValueError(f"{c.key} is a count: {c.value} is not a whole number")
    if kind == "count" and c.value < 0:
        raise ValueError(f"{c.key} is a count: {c.value} is negative")
    return int(c.value)


def apply(report: Report, corrections: Corrections) -> tuple[Report, list[str]]:
    """The report with the corrections of its document applied, and a message for each one not applied.

    Pure: the given report is left as it was. Corrections of other documents are ignored."""
    out = report.model_copy(deep=True)
    notes: list[str] = []
    mine = [c for c in corrections.corrections if c.content_hash == report.content_hash and report.content_hash]
    stale = [c for c in corrections.corrections if c.source == report.source and c.content_hash != report.content_hash]
    for c in stale:
        notes.append(
            f"{c.key}: not applied: the document changed since it was reviewed "
            f"(content hash {c.content_hash[:12]}…, now {(report.content_hash or '?')[:12]}…)"
        )
    if not mine:
        return _noted(out, notes), notes
    template = out.meta.template
    before = {f.rule: f for f in out.findings if f.kind == FindingKind.ARITHMETIC and f.rule}
    corrected: list[str] = []
    for c in mine:
        try:
            value = _coerce(out, c)
        except ValueError as exc:
            notes.append(f"{c.key}: not applied: {exc}")
            continue
        table, row, col = c.key.split(".")
        current = out.value(c.key)
        note = f" ({c.note})" if c.note else ""
        if c.confirmed:
            if current != value:
                notes.append(f"{c.key}: confirmation not applied: it confirmed {value}, the reading is now {current}")
                continue
            out.findings.append(Finding(kind=HUMAN, stage=STAGE, key=c.key, message=f"{c.key} = {current}: confirmed by a person{note}"))
            continue
        old = out.provenance.get(c.key)
        if old is not None and old.method == "human":  # a correction applied twice keeps the first reading
            old = old.original
        getattr(out, table).setdefault(row, {})[col] = value
        out.provenance[c.key] = Provenance(  # kept for a null too: it holds the reading it replaced
            method="human",
            span=old.span if old else None,
            text=None if value is None else str(value),
            page=old.page if old else None,
            bbox=old.bbox if old else None,
            reader=old.reader if old else None,
            original=old,
        )
        corrected.append(c.key)
        out.findings.append(
            Finding(kind=HUMAN, stage=STAGE, key=c.key, message=f"{c.key}: read as {current}, the document prints {value} (corrected by a person){note}")
        )
    if corrected and template is not None:
        _recheck(out, template, before, corrected)
    return _noted(out, notes), notes


def _recheck(report: Report, template: TemplateName, before: dict[str, Finding], corrected: list[str]) -> None:
    """The arithmetic again, on the corrected values; a rule broken as read that holds only after a correction
    keeps a finding that says so (a correction states what is printed, never what would add up)."""
    values = {k: report.value(k) for k in TEMPLATES[template].keys()}
    now = broken(values, template)
    still = {f.rule for f in now}
    report.findings = [f for f in report.findings if f.kind != FindingKind.ARITHMETIC] + now
    for name, f in before.items():
        if name not in still:
            report.findings.append(
                Finding(
                    kind=HUMAN,
                    stage=STAGE,
                    key=f.key,
                    rule=name,
                    message=f"{name} holds only after a person's correction of {', '.join(corrected)}; as read: {f.message}",
                )
            )
    for t in report.tables:
        keys = TEMPLATES[template].tables[t.table].keys()
        t.cells_null = sum(1 for k in keys if values[k] is None)
        t.cells_filled = len(keys) - t.cells_null
        t.rules_broken = sum(1 for f in now if (f.key or "").startswith(t.table))


def _noted(report: Report, notes: list[str]) -> Report:
    report.findings.extend(Finding(kind=HUMAN, stage=STAGE, message=n) for n in notes)
    return report
