"""One word for how a report came out, the same in the review page and the batch summary.

- ``failed``: the document could not be read (a :class:`giar.pipeline.Failure`, not a Report);
- ``inconsistent``: a table's arithmetic is broken (as printed, or as read);
- ``partial``: a template cell is null;
- ``repaired``: every cell has a value, but some needed more than reading a well-formed table: a named repair,
  the arithmetic (inferred), the LLM or a person;
- ``clean``: every cell read as printed, every rule holds.
"""

from __future__ import annotations

from typing import Literal

from .model import Report
from .template import TEMPLATES

Status = Literal["clean", "repaired", "inconsistent", "partial", "failed"]
STATUSES: tuple[Status, ...] = ("clean", "repaired", "inconsistent", "partial", "failed")

# How a well-formed table line is cut into cells: every document needs one of these, so they are the reading
# itself, not a repair of it (grid.py and match.py record them on every value beside the real repairs).
LAYOUT_STEPS = frozenset(
    {"split_tabs", "split_pipes", "split_spaces", "split_trailing_numbers", "choose_value_columns"}
)
REPAIR_FINDINGS = frozenset({"inferred", "repaired", "llm"})


def repairs_of(provenance_repairs: list[str]) -> list[str]:
    """The named repairs among a value's reading steps (layout steps left out)."""
    return [r for r in provenance_repairs if r not in LAYOUT_STEPS]


def null_cells(report: Report) -> list[str]:
    """Template cells without a value (every cell, when no template was recognised)."""
    tmpl = TEMPLATES.get(report.meta.template or "")
    if tmpl is None:
        return ["*"]
    return [k for k in tmpl.keys() if report.value(k) is None]


def report_status(report: Report) -> Status:
    if any(f.kind == "arithmetic" for f in report.findings):
        return "inconsistent"
    if null_cells(report):
        return "partial"
    if any(p.method != "rules" or repairs_of(p.repairs) for p in report.provenance.values()):
        return "repaired"
    if any(f.kind in REPAIR_FINDINGS for f in report.findings):
        return "repaired"
    return "clean"
