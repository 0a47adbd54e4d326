"""Compare a Report with a hand-labeled gold report, field by field over ``table.row.column`` keys.

Counts per field: correct (same value, or both null), wrong (a different number, or a number where gold has
null), missing (null where gold has a number); inferred counts the correct values that came from the
arithmetic rather than the page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, Field

from .model import Report
from .status import FindingKind
from .template import TABLES, TEMPLATES

META_FIELDS = ("title", "organization", "year", "template")
OPTIONAL_META = ("publisher", "published", "source_url")  # scored where the gold gives them


class FieldResult(BaseModel):
    key: str
    gold: Any = None
    got: Any = None
    status: str  # correct, wrong, missing


class Counts(BaseModel):
    correct: int = 0
    wrong: int = 0
    missing: int = 0
    inferred: int = 0

    @property
    def total(self) -> int:
        return self.correct + self.wrong + self.missing

    def add(self, other: Counts) -> None:
        self.correct += other.correct
        self.wrong += other.wrong
        self.missing += other.missing
        self.inferred += other.inferred


class DocScore(BaseModel):
    name: str
    tables: dict[str, Counts] = Field(default_factory=dict)
    meta: Counts = Field(default_factory=Counts)
    fields: list[FieldResult] = Field(default_factory=list)
    rules_pass: bool = True

    @property
    def overall(self) -> Counts:
        c = Counts()
        for t in self.tables.values():
            c.add(t)
        return c

    @property
    def fully_correct(self) -> bool:
        o = self.overall
        return o.wrong == 0 and o.missing == 0

    def errors(self) -> list[FieldResult]:
        return [f for f in self.fields if f.status != "correct"]


def load_gold(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def flatten(report: dict[str, Any], template: Optional[str]) -> dict[str, Any]:
    """``table.row.column`` → value for every cell of the template (absent cells are None)."""
    out: dict[str, Any] = {}
    tmpl = TEMPLATES.get(template or "")
    if tmpl is None:
        return out
    for key in tmpl.keys():
        table, row, col = key.split(".")
        out[key] = ((report.get(table) or {}).get(row) or {}).get(col)
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-9
    return a == b


def compare(report: Report | dict[str, Any], gold: dict[str, Any], name: str = "") -> DocScore:
    got = report.model_dump(mode="json") if isinstance(report, Report) else report
    score = DocScore(name=name or str(got.get("source", "")))
    template = (gold.get("meta") or {}).get("template")
    g = flatten(gold, template)
    r = flatten(got, template) if (got.get("meta") or {}).get("template") == template else {k: None for k in g}
    prov = got.get("provenance") or {}
    for key, gv in g.items():
        rv = r.get(key)
        if _same(gv, rv):
            status = "correct"
        elif rv is None:
            status = "missing"
        else:
            status = "wrong"
        table = key.split(".")[0]
        c = score.tables.setdefault(table, Counts())
        setattr(c, status, getattr(c, status) + 1)
        if status == "correct" and rv is not None and (prov.get(key) or {}).get("method") == "inferred":
            c.inferred += 1
        score.fields.append(FieldResult(key=key, gold=gv, got=rv, status=status))
    for f in META_FIELDS + tuple(k for k in OPTIONAL_META if k in (gold.get("meta") or {})):
        gv = (gold.get("meta") or {}).get(f)
        rv = (got.get("meta") or {}).get(f)
        status = "correct" if _same(gv, rv) else ("missing" if rv is None else "wrong")
        setattr(score.meta, status, getattr(score.meta, status) + 1)
        score.fields.append(FieldResult(key=f"meta.{f}", gold=gv, got=rv, status=status))
    score.rules_pass = not any(f.get("kind") == FindingKind.ARITHMETIC for f in got.get("findings") or [])
    return score


__all__ = ["TABLES", "Counts", "DocScore", "FieldResult", "compare", "flatten", "load_gold"]
