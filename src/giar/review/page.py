"""One self-contained HTML page from review items: pure, from :class:`Item` objects to a string.

The HTML, CSS and script are package data (``page.html``, ``page.css``, ``page.js``), rendered by jinja2 with
autoescaping on, so every piece of document text reaches the page as text. A Content-Security-Policy lets
only the page's own inline script (by its hash) run and nothing be fetched.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Optional

import jinja2
from markupsafe import Markup

from ..corrections import Corrections
from ..model import Finding
from ..status import STATUSES, Status, null_cells, repairs_of, report_status
from ..template import REQUEST_COLUMNS, REVIEW_GROUPS, TABLES, TEMPLATES
from .items import Item
from .source import Segment, segments
from .stats import (
    OUTCOMES,
    Chart,
    OrgYears,
    Rates,
    across_years,
    data_uri,
    outcome_chart,
    outcome_label,
    pct,
    rates,
    rates_csv,
    status_chart,
    years_csv,
)
from .tables import HOWS, TableView, broken_rules, views


@dataclass
class FindingView:
    kind: str
    message: str
    key: Optional[str]
    target: Optional[str]  # id of the cell (or table) it concerns


# Findings listed in this order, most pressing first; a long group is folded.
FINDING_ORDER = ("arithmetic", "ambiguous", "unmatched", "missing", "blank", "human", "llm", "repaired", "aggregate", "inferred")
FOLD = 6


@dataclass
class ReportView:
    id: str
    n: int
    item: Item
    status: Status
    title: str
    tables: list[TableView] = field(default_factory=list)
    findings: list[FindingView] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    nulls: int = 0
    broken: int = 0

    @property
    def report(self):
        return self.item.report

    @property
    def repairs(self) -> list[str]:
        """The named repairs any value needed (layout steps left out)."""
        r = self.item.report
        return sorted({x for p in r.provenance.values() for x in repairs_of(p.repairs)}) if r else []

    @property
    def finding_groups(self) -> list[tuple[str, list[FindingView]]]:
        groups: dict[str, list[FindingView]] = {}
        for f in self.findings:
            groups.setdefault(f.kind, []).append(f)
        rank = {k: i for i, k in enumerate(FINDING_ORDER)}
        return sorted(groups.items(), key=lambda g: rank.get(g[0], len(rank)))

    @property
    def accuracy(self) -> Optional[float]:
        g = self.item.gold
        if g is None or not g.overall.total:
            return None
        return g.overall.correct / g.overall.total

    @property
    def accuracy_note(self) -> str:
        g = self.item.gold
        if g is None:
            return ""
        o = g.overall
        return f"{o.correct} of {o.total} cells as gold ({o.wrong} wrong, {o.missing} missing): {self.item.gold_path}"


def _target(rid: str, key: Optional[str], template: Optional[str]) -> Optional[str]:
    """The element a finding's key points at: its cell, the first cell of its row or column, or its table."""
    if not key or template is None:
        return None
    parts = key.split(".")
    if parts[0] not in TABLES:
        return None
    keys = TEMPLATES[template].tables[parts[0]].keys()
    if len(parts) == 1:
        return f"{rid}-t-{parts[0]}"
    row, col = parts[1], parts[2] if len(parts) > 2 else None
    for k in keys:
        _, r, c = k.split(".")
        if (row in ("*", r)) and (col is None or col == c):
            return f"{rid}-c-{k}"
    return f"{rid}-t-{parts[0]}"


def report_view(item: Item, n: int) -> ReportView:
    rid = f"r{n}"
    r = item.report
    if r is None:
        return ReportView(rid, n, item, "failed", item.source)
    marks: dict[str, str] = {}
    segs: list[Segment] = []
    if item.text is not None:
        if item.text_note:  # the document changed: its text without marks
            segs = [Segment(item.text)]
        else:
            values = {k: r.value(k) for k in r.provenance if k.split(".")[0] in TABLES}
            segs, marks = segments(item.text, values, r.provenance, item.runs, rid)
    template = r.meta.template
    return ReportView(
        id=rid,
        n=n,
        item=item,
        status=report_status(r),
        title=r.meta.title or r.source,
        tables=views(r, item.gold, marks),
        findings=[_finding(rid, f, template) for f in r.findings],
        segments=segs,
        nulls=len(null_cells(r)) if template else 0,
        broken=len(broken_rules(r)),
    )


def _finding(rid: str, f: Finding, template: Optional[str]) -> FindingView:
    return FindingView(f.kind, f.message, f.key, _target(rid, f.key, template))


@cache
def _asset(name: str) -> str:
    return resources.files("giar.review").joinpath(name).read_text(encoding="utf-8")


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_asset),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = pct
    env.globals["zip"] = zip
    return env


def _labels() -> dict[str, str]:
    """The printed words the comparisons name, from the template."""
    req = TEMPLATES["2021"].tables["requests"]
    return {
        "processed": req.row("total_processed").label,
        "total": REQUEST_COLUMNS[-1].label,
        "review": REVIEW_GROUPS[0].label,
        "litigation": REVIEW_GROUPS[1].group,
        "carried_over": req.row("carried_over").label,
        "carried_forward": req.row("carried_forward").label,
    }


def csp_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def build_page(items: Sequence[Item], title: str = "giar review", corrections: Optional[Corrections] = None) -> str:
    """The review page for these items: the index, charts and comparisons when there are several, then one
    view per report."""
    reports = [report_view(item, n) for n, item in enumerate(items, 1)]
    ok = [(v.report, v.id) for v in reports if v.report is not None]
    batch = len(reports) > 1
    counts = {s: sum(1 for v in reports if v.status == s) for s in STATUSES}
    status = {v.id: v.status for v in reports}
    rate_rows: list[Rates] = [rates(r, rid, status[rid]) for r, rid in ok]
    years: list[OrgYears] = across_years(ok) if batch else []
    charts: list[Chart] = [status_chart(v.status for v in reports), outcome_chart(r for r, _ in ok)] if batch else []
    script = _asset("page.js")
    return _env().get_template("page.html").render(
        title=title,
        fold=FOLD,
        reports=reports,
        batch=batch,
        counts=counts,
        statuses=STATUSES,
        hows=HOWS,
        charts=charts,
        rates=rate_rows,
        outcomes=[(g, g.replace("_", " "), outcome_label(g)) for g in OUTCOMES],
        rates_csv=data_uri(rates_csv(rate_rows)) if rate_rows else "",
        years=years,
        years_csv=data_uri(years_csv(years)) if years else "",
        corrections=(corrections.model_dump(mode="json")["corrections"] if corrections else []),
        labels=_labels(),
        css=Markup(_asset("page.css")),
        script=Markup(script),
        csp=csp_hash(script),
    )
