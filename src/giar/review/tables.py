"""The three tables laid out as the national template prints them, each value with how it was obtained.

Pure functions from a :class:`~giar.model.Report` to rows of header cells and value cells; the page template
only draws them. Every label comes from :mod:`giar.template`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional, Union

from ..model import Finding, Number, Provenance, Report
from ..score import DocScore
from ..status import FindingKind, repairs_of
from ..template import (
    APPLICANT_HEADER,
    APPLICANTS,
    CONTENT_HEADER,
    ORGANIZATIONS_HEADER,
    OUTCOME_ROWS_2019,
    OUTCOME_ROWS_2021,
    REQUEST_COLUMNS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    TABLES,
    TEMPLATES,
    RowSpec,
    TableSpec,
    TemplateName,
    rules,
)
from ..validate import evaluate

# How a value was obtained, in the order the legend lists them.
HOWS = ("rules", "repaired", "inferred", "llm", "human", "null")


@dataclass
class Head:
    """A printed header or label cell."""

    text: str = ""
    colspan: int = 1
    rowspan: int = 1
    kind: str = "head"  # head, label, article, pad
    is_value = False


@dataclass
class BrokenRule:
    """One equation of SCHEMA.md that the values break, with both sides."""

    n: int
    name: str
    table: str
    lhs: list[tuple[str, Number]]
    rhs: list[tuple[str, Number]]
    lhs_sum: Number
    rhs_sum: Number

    @property
    def cells(self) -> list[str]:
        return [f"{self.table}.{k}" for k, _ in self.lhs + self.rhs]

    @property
    def text(self) -> str:
        def side(cells: list[tuple[str, Number]], total: Number) -> str:
            return " + ".join(f"{k} {_show(v)}" for k, v in cells) + f" = {_show(total)}"

        return f"{side(self.lhs, self.lhs_sum)}, but {side(self.rhs, self.rhs_sum)}"

    @property
    def line(self) -> str:
        return f"{self.n}. {self.name}: {self.text}"


@dataclass
class Value:
    """One template cell: its value, how it was obtained, and what a reviewer needs to check it."""

    key: str
    label: str  # row label · column label
    value: Optional[Number]
    how: str  # one of HOWS
    prov: Optional[Provenance] = None
    repairs: list[str] = field(default_factory=list)
    rules: list[BrokenRule] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    gold: Optional[str] = None  # the gold value, where it differs
    mark: Optional[str] = None  # id of the value's span in the source pane
    is_value = True

    @property
    def shown(self) -> str:
        return "∅" if self.value is None else _show(self.value)

    @property
    def span(self) -> str:
        return f"{self.prov.span[0]}–{self.prov.span[1]}" if self.prov and self.prov.span else ""

    @property
    def box(self) -> str:
        if not self.prov or self.prov.bbox is None:
            return ""
        return ", ".join(f"{x:.1f}" for x in self.prov.bbox)

    @property
    def original(self) -> str:
        o = self.prov.original if self.prov else None
        if o is None:
            return ""
        return f"{o.text} ({o.method}{', ' + ', '.join(o.repairs) if o.repairs else ''})"

    @property
    def title(self) -> str:
        """The tooltip: everything the details panel shows, for a reader without JavaScript."""
        lines = [f"{self.key} · {self.label}", f"{self.shown}: {_how_text(self)}"]
        if self.span:
            lines.append(f"span {self.span}" + (f", page {self.prov.page}" if self.prov and self.prov.page else ""))
        if self.original:
            lines.append(f"read before correction: {self.original}")
        lines += [f"broken rule {r.line}" for r in self.rules]
        lines += self.findings
        if self.gold is not None:
            lines.append(f"gold: {self.gold}")
        return "\n".join(lines)


Cell = Union[Head, Value]
ValueOf = Callable[[RowSpec, str, str], Value]  # a row, a column key and label -> that cell's Value


@dataclass
class TableView:
    name: str
    title: str
    head: list[list[Head]]
    body: list[list[Cell]]
    broken: list[BrokenRule]


def _show(v: Number) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _how_text(v: Value) -> str:
    if v.how == "repaired":
        return "read by the rules, repaired by " + ", ".join(v.repairs)
    return {
        "rules": "read by the rules",
        "inferred": "inferred from the table's arithmetic",
        "llm": "placed by the LLM repair",
        "human": "corrected by a person",
        "null": "null (not read)",
    }[v.how]


def how(value: Optional[Number], prov: Optional[Provenance]) -> str:
    if value is None:
        return "null"
    if prov is None or prov.method == "rules":
        return "repaired" if prov is not None and repairs_of(prov.repairs) else "rules"
    return prov.method


def broken_rules(report: Report) -> list[BrokenRule]:
    template = report.meta.template
    if template is None:
        return []
    values = {k: report.value(k) for k in TEMPLATES[template].keys()}
    out: list[BrokenRule] = []
    for rule in rules(template):
        sides = evaluate(rule, values)
        if sides is None or sides[0] == sides[1]:
            continue
        table = rule.lhs[0].split(".")[0]
        out.append(
            BrokenRule(
                n=len(out) + 1,
                name=rule.name,
                table=table,
                lhs=[(k.split(".", 1)[1], values[k]) for k in rule.lhs],  # type: ignore[misc]
                rhs=[(k.split(".", 1)[1], values[k]) for k in rule.rhs],  # type: ignore[misc]
                lhs_sum=sides[0],
                rhs_sum=sides[1],
            )
        )
    return out


def title_of(name: str) -> str:
    spec = TEMPLATES["2021"].tables[name]
    return f"{spec.ordinal}、{spec.heading}"


def row_label(spec: RowSpec) -> str:
    """A row's label under its printed group (（三）不予公开1.属于国家秘密)."""
    return f"{spec.group}{spec.label}"


def views(report: Report, gold: Optional[DocScore] = None, marks: Optional[dict[str, str]] = None) -> list[TableView]:
    """The three tables of a report (none when no template was recognised)."""
    template = report.meta.template
    if template is None:
        return []
    broken = broken_rules(report)
    by_key: dict[str, list[str]] = {}
    for f in report.findings:
        if f.key and f.kind != FindingKind.ARITHMETIC:
            by_key.setdefault(f.key, []).append(_finding_line(f))
    wrong = {f.key: f.gold for f in (gold.fields if gold else []) if f.status != "correct"}
    marks = marks or {}

    def value(spec: RowSpec, col_key: str, col_label: str, table: str) -> Value:
        key = f"{table}.{spec.key}.{col_key}"
        v, prov = report.value(key), report.provenance.get(key)
        return Value(
            key=key,
            label=f"{row_label(spec)} · {col_label}",
            value=v,
            how=how(v, prov),
            prov=prov,
            repairs=repairs_of(prov.repairs) if prov else [],
            rules=[r for r in broken if key in r.cells],
            findings=by_key.get(key, []) + by_key.get(f"{table}.{spec.key}", []),
            gold=None if key not in wrong else ("null" if wrong[key] is None else _show(wrong[key])),
            mark=marks.get(key),
        )

    tables = TEMPLATES[template].tables
    out = []
    for name in TABLES:
        spec = tables[name]
        head, body = _LAYOUTS[name](spec, template, functools.partial(value, table=name))
        out.append(TableView(name, title_of(name), head, body, [r for r in broken if r.table == name]))
    return out


def _finding_line(f: Finding) -> str:
    return f"[{f.kind}] {f.message}"


def _active(spec: TableSpec, template: TemplateName, value: ValueOf) -> tuple[list[list[Head]], list[list[Cell]]]:
    width = max(len(r.columns) for r in spec.rows)
    body: list[list[Cell]] = []
    article = None
    for r in spec.rows:
        if r.group != article:
            article = r.group
            body.append([Head(r.group, colspan=width + 1, kind="article")])
            header: list[Cell] = [Head(CONTENT_HEADER), *(Head(c.label) for c in r.columns)]
            body.append(header + _pad(width - len(r.columns), "head"))
        line: list[Cell] = [Head(r.label, kind="label"), *(value(r, c.key, c.label) for c in r.columns)]
        body.append(line + _pad(width - len(r.columns)))
    return [], body


def _pad(n: int, kind: str = "pad") -> list[Cell]:
    return [Head(kind=kind, colspan=n)] if n > 0 else []


def _requests(spec: TableSpec, template: TemplateName, value: ValueOf) -> tuple[list[list[Head]], list[list[Cell]]]:
    orgs = APPLICANTS[1:]
    head = [
        [Head(colspan=3, rowspan=3), Head(APPLICANT_HEADER, colspan=len(REQUEST_COLUMNS))],
        [Head(APPLICANTS[0].label, rowspan=2), Head(ORGANIZATIONS_HEADER, colspan=len(orgs)), Head(REQUEST_COLUMNS[-1].label, rowspan=2)],
        [Head(c.label) for c in orgs],
    ]
    result = spec.row("granted").group  # 三、本年度办理结果: over every outcome row and （七）总计
    outcome = set(OUTCOME_ROWS_2019 if template == "2019" else OUTCOME_ROWS_2021) | {"total_processed"}
    paths = []
    for r in spec.rows:
        if r.key in outcome:
            paths.append([result] + ([r.group] if r.group != result else []) + [r.label])
        else:
            paths.append([r.label])
    body: list[list[Cell]] = []
    for i, (r, path) in enumerate(zip(spec.rows, paths)):
        labels: list[Cell] = []
        for depth, text in enumerate(path[:-1]):
            prefix = path[: depth + 1]
            if i and paths[i - 1][: depth + 1] == prefix:
                continue  # under the rowspan of the row above
            span = 1
            while i + span < len(paths) and paths[i + span][: depth + 1] == prefix:
                span += 1
            labels.append(Head(text, rowspan=span, kind="label"))
        labels.append(Head(path[-1], colspan=3 - (len(path) - 1), kind="label"))
        body.append(labels + [value(r, c.key, c.label) for c in r.columns])
    return head, body


def _review(spec: TableSpec, template: TemplateName, value: ValueOf) -> tuple[list[list[Head]], list[list[Cell]]]:
    review, *litigation = REVIEW_GROUPS
    n = len(REVIEW_COLUMNS)
    head = [
        [Head(review.label, colspan=n), Head(litigation[0].group, colspan=n * len(litigation))],
        [Head(c.label, rowspan=2) for c in REVIEW_COLUMNS] + [Head(g.label, colspan=n) for g in litigation],
        [Head(c.label) for _ in litigation for c in REVIEW_COLUMNS],
    ]
    body: list[list[Cell]] = [[value(g, c.key, c.label) for g in spec.rows for c in g.columns]]
    return head, body


_LAYOUTS = {"active_disclosure": _active, "requests": _requests, "review_litigation": _review}
