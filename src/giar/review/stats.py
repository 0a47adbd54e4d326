"""Numbers across a batch: statuses, requests by outcome, rates per body, one body across years; as bar charts
(geometry only: the page draws them as inline SVG) and as CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import quote

from ..model import Number, Report
from ..status import STATUSES, Status
from ..template import OUTCOME_ROWS_2019, OUTCOME_ROWS_2021, REQUEST_COLUMNS, TABLES, TEMPLATES
from .tables import row_label, title_of

# The outcome groups researchers quote, each the sum of its rows' 总计 (requests.<row>.total).
OUTCOMES = ("granted", "partially_granted", "denied", "unable", "declined", "other")


def outcome_of(row: str) -> Optional[str]:
    if row in ("granted", "partially_granted"):
        return row
    head = row.split("_", 1)[0]
    return head if head in OUTCOMES else None


def outcome_label(group: str) -> str:
    """The printed label of an outcome group, from the template (（三）不予公开 …)."""
    spec = TEMPLATES["2021"].tables["requests"]
    if group in ("granted", "partially_granted"):
        return re.sub(r"（[^）]*）$", "", spec.row(group).label)  # drop （区分处理的，…）
    if group == "other":
        return TEMPLATES["2019"].tables["requests"].row("other_processing").label
    return next(r.group for r in spec.rows if outcome_of(r.key) == group)


def outcomes(report: Report) -> dict[str, Optional[Number]]:
    """requests.<row>.total summed per outcome group; None where a part is null (no partial sums)."""
    template = report.meta.template
    out: dict[str, Optional[Number]] = {g: 0 for g in OUTCOMES}
    if template is None:
        return {g: None for g in OUTCOMES}
    for row in OUTCOME_ROWS_2019 if template == "2019" else OUTCOME_ROWS_2021:
        g = outcome_of(row)
        v = report.value(f"requests.{row}.total")
        if g is None:
            continue
        out[g] = None if v is None or out[g] is None else out[g] + v  # type: ignore[operator]
    return out


# --- bar charts --------------------------------------------------------------------------------------


@dataclass
class Bar:
    name: str  # css class and machine name
    label: str
    sublabel: str
    count: Number
    share: float
    y: int = 0
    width: float = 0.0


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    total: Number
    width: int = 560
    bar_x: int = 190
    bar_w: int = 250
    row_h: int = 26

    @property
    def height(self) -> int:
        return self.row_h * len(self.bars) + 6


def chart(title: str, rows: Sequence[tuple[str, str, str, Number]]) -> Chart:
    """Horizontal bars, one per (name, label, sublabel, count), each as a share of their sum."""
    total = sum(r[3] for r in rows)
    c = Chart(title=title, bars=[], total=total)
    for i, (name, label, sub, count) in enumerate(rows):
        share = count / total if total else 0.0
        c.bars.append(Bar(name, label, sub, count, share, y=i * c.row_h + 3, width=round(share * c.bar_w, 1)))
    return c


def status_chart(statuses: Iterable[Status]) -> Chart:
    counts = dict.fromkeys(STATUSES, 0)
    for s in statuses:
        counts[s] += 1
    return chart("Reports by status", [(s, s, "", counts[s]) for s in STATUSES])


def outcome_chart(reports: Iterable[Report]) -> Chart:
    sums: dict[str, Number] = {g: 0 for g in OUTCOMES}
    for r in reports:
        for g, v in outcomes(r).items():
            sums[g] += v or 0
    return chart(
        f"Requests by outcome ({REQUEST_COLUMNS[-1].label} column, summed over the batch)",
        [(g, g.replace("_", " "), outcome_label(g), sums[g]) for g in OUTCOMES],
    )


# --- rates per body ------------------------------------------------------------------------------------


@dataclass
class Rates:
    anchor: str
    organization: str
    year: Optional[int]
    status: str
    processed: Optional[Number]
    outcomes: dict[str, Optional[Number]]
    review: dict[str, Optional[Number]]  # total, upheld, corrected
    litigation: dict[str, Optional[Number]]  # both litigation groups summed

    def share(self, part: Optional[Number], whole: Optional[Number]) -> Optional[float]:
        return None if part is None or not whole else part / whole

    @property
    def outcome_shares(self) -> dict[str, Optional[float]]:
        return {g: self.share(v, self.processed) for g, v in self.outcomes.items()}

    def corrected_share(self, which: str) -> Optional[float]:
        d = getattr(self, which)
        return self.share(d["corrected"], d["total"])


def _sum(values: Iterable[Optional[Number]]) -> Optional[Number]:
    vals = list(values)
    return None if any(v is None for v in vals) else sum(vals)  # type: ignore[arg-type]


def rates(report: Report, anchor: str, status: str) -> Rates:
    def group(names: Sequence[str]) -> dict[str, Optional[Number]]:
        return {
            c: _sum(report.value(f"review_litigation.{g}.{c}") for g in names) for c in ("total", "upheld", "corrected")
        }

    return Rates(
        anchor=anchor,
        organization=report.meta.organization or report.source,
        year=report.meta.year,
        status=status,
        processed=report.value("requests.total_processed.total") if report.meta.template else None,
        outcomes=outcomes(report),
        review=group(["review"]) if report.meta.template else dict.fromkeys(("total", "upheld", "corrected")),
        litigation=group(["litigation_direct", "litigation_after_review"])
        if report.meta.template
        else dict.fromkeys(("total", "upheld", "corrected")),
    )


def pct(x: Optional[float]) -> str:
    return "" if x is None else f"{100 * x:.1f}%"


RATE_COLUMNS = (
    ["organization", "year", "status", "processed"]
    + [f"{g}_share" for g in OUTCOMES]
    + ["review_total", "review_corrected", "review_corrected_share"]
    + ["litigation_total", "litigation_corrected", "litigation_corrected_share"]
)


def rates_csv(rows: Sequence[Rates]) -> str:
    def num(x: Optional[float]) -> str:
        return "" if x is None else f"{x:.4f}"

    return _csv(
        RATE_COLUMNS,
        (
            [_text(r.organization), r.year or "", r.status, _cell(r.processed)]
            + [num(r.outcome_shares[g]) for g in OUTCOMES]
            + [_cell(r.review["total"]), _cell(r.review["corrected"]), num(r.corrected_share("review"))]
            + [_cell(r.litigation["total"]), _cell(r.litigation["corrected"]), num(r.corrected_share("litigation"))]
            for r in rows
        ),
    )


# --- one body across years -------------------------------------------------------------------------------


@dataclass
class YearCell:
    shown: str
    delta: str = ""
    cls: str = ""  # up, down, na (not in that year's template), null


@dataclass
class YearRow:
    key: str
    label: str
    cells: list[YearCell]
    changed: bool


@dataclass
class YearTable:
    name: str
    title: str
    rows: list[YearRow]


@dataclass
class CrossCheck:
    column: str
    last_year: int
    year: int
    carried_forward: Optional[Number]  # last year's 结转下年度继续办理
    carried_over: Optional[Number]  # this year's 上年结转
    ok: Optional[bool]


@dataclass
class OrgYears:
    organization: str
    years: list[int]
    anchors: list[str]
    also: list[str] = field(default_factory=list)  # the body's other names, as printed
    tables: list[YearTable] = field(default_factory=list)
    checks: list[CrossCheck] = field(default_factory=list)

    @property
    def mismatches(self) -> int:
        return sum(1 for c in self.checks if c.ok is False)


def _cell(v: Optional[Number]) -> str:
    if v is None:
        return ""
    return f"{v:g}" if isinstance(v, float) else str(v)


def _label(key: str, templates: Sequence[str]) -> str:
    _, row, col = key.split(".")
    for t in templates:
        table = TEMPLATES[t].tables[key.split(".")[0]]
        if key in table.keys():
            spec = table.row(row)
            return f"{row_label(spec)} · {next(c.label for c in spec.columns if c.key == col)}"
    return key


SAME_BODY_MIN = 6  # a name at least this long that ends another names the same body (洪泽区人民政府, 淮安市洪泽区人民政府)


def same_bodies(names: Iterable[str]) -> dict[str, str]:
    """Each organization name to the longest name of the same body: titles drop the city now and then, so a
    name that another ends with (and long enough not to be generic) is the same body."""
    out: dict[str, str] = {}
    for name in sorted(set(names), key=lambda n: (-len(n), n)):
        out[name] = next((out[k] for k in out if len(name) >= SAME_BODY_MIN and k.endswith(name)), name)
    return out


def across_years(reports: Sequence[tuple[Report, str]]) -> list[OrgYears]:
    """Bodies with reports for two or more years: every cell side by side, and the carry-over checks."""
    def org_name(r: Report) -> str:
        return re.sub(r"\s+", "", r.meta.organization or "")

    canon = same_bodies(org_name(r) for r, _ in reports)
    by_org: dict[str, dict[int, tuple[Report, str]]] = {}
    for r, anchor in reports:
        org, year = canon[org_name(r)], r.meta.year
        if org and year and r.meta.template:
            by_org.setdefault(org, {}).setdefault(year, (r, anchor))
    out = []
    for org, per_year in by_org.items():
        if len(per_year) < 2:
            continue
        years = sorted(per_year)
        reps = [per_year[y][0] for y in years]
        templates = [r.meta.template for r in reversed(reps)]  # the latest wording first
        o = OrgYears(org, years, [per_year[y][1] for y in years], sorted({org_name(r) for r in reps} - {org}))
        for name in TABLES:
            keys = list(dict.fromkeys(k for t in templates for k in TEMPLATES[t].tables[name].keys()))  # type: ignore[index]
            rows = []
            for key in keys:
                cells, prev, changed = [], None, False
                for r in reps:
                    if key not in TEMPLATES[r.meta.template].tables[name].keys():  # type: ignore[index]
                        cells.append(YearCell("—", cls="na"))
                        prev = None
                        continue
                    v = r.value(key)
                    cell = YearCell(_cell(v) or "∅", cls="" if v is not None else "null")
                    if v is not None and prev is not None and v != prev:
                        d = v - prev
                        cell.delta, cell.cls, changed = (f"+{_cell(d)}" if d > 0 else _cell(d)), ("up" if d > 0 else "down"), True
                    cells.append(cell)
                    prev = v
                rows.append(YearRow(key, _label(key, templates), cells, changed))  # type: ignore[arg-type]
            o.tables.append(YearTable(name, title_of(name), rows))
        for a, b in zip(reps, reps[1:]):
            for c in REQUEST_COLUMNS:
                fwd, over = a.value(f"requests.carried_forward.{c.key}"), b.value(f"requests.carried_over.{c.key}")
                ok = None if fwd is None or over is None else fwd == over
                o.checks.append(CrossCheck(c.label, a.meta.year, b.meta.year, fwd, over, ok))  # type: ignore[arg-type]
        out.append(o)
    return out


def years_csv(groups: Sequence[OrgYears]) -> str:
    rows = []
    for g in groups:
        for t in g.tables:
            for row in t.rows:
                table, r, c = row.key.split(".")
                for year, cell in zip(g.years, row.cells):
                    if cell.cls != "na":
                        rows.append([_text(g.organization), table, r, c, year, "" if cell.cls == "null" else cell.shown])
    return _csv(["organization", "table", "row", "column", "year", "value"], rows)


def _text(s: str) -> str:
    """Document text in a CSV cell: one that a spreadsheet would run as a formula is kept as text."""
    return "'" + s if s.startswith(("=", "+", "-", "@", "\t", "\r")) else s


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def data_uri(text: str) -> str:
    """A CSV as a link target: the download needs no script and no server. UTF-8 with a BOM (Excel)."""
    return "data:text/csv;charset=utf-8," + quote("\ufeff" + text)
