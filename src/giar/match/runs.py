"""Run-together tables: a web archiver that drops every tag writes each table row as one run of digits.

``一、本年新收政府信息公开申请数量21710000218`` is 217, 1, 0, 0, 0, 0, 218: the cells are gone, so the numbers
are cut out of the run by the template's own arithmetic. A cut is accepted only when it is the one cut that
keeps the row's own rule (the six applicant columns sum to 总计; in 四 each group's four results sum to its
总计), with no leading zeros unless the number is 0. Where a row of 三 cuts several ways, the column rules of
SCHEMA (rules 1 and 3) may choose among its cuts, but only if exactly one choice for all such rows keeps every
column rule (a source whose column sums are broken leaves them null). Rows of 二 have no arithmetic: a run
that cuts more than one way is null, unless the narrative states one of its numbers and that settles the cut.

Each number keeps its span over its own digits inside the run, and provenance names the repair
(``cut_glued_run``, ``cut_by_column_sums``, ``cut_by_narrative``). The next row's label number glued to a
row's last digit (``…3200000326.属于四类…``) belongs to the label.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional, TypeVar

from ..grid import DataRow
from ..model import Cell, Row
from ..narrative import Statement, statements
from ..status import FindingKind, RowStatus
from ..template import (
    LABEL_ORDINAL,
    LEGAL_PERSONS,
    REQUEST_COLUMNS,
    REQUEST_HEADER,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    REVIEW_HEADER,
    WAN_YUAN,
    YUAN,
    Column,
    HeaderLayout,
    RowSpec,
    Rule,
    TableSpec,
    rules,
)
from ..template import (
    TABLES as MATCHED_TABLES,
)
from .cells import Placed, RunCut, missing, place_row
from .columns import departs_flat, labels_in, map_columns
from .labels import best_label, by_label, norm
from .requests import _misfit, align
from .settings import MatchContext

# a run: digits, possibly with spaces (cells that held &nbsp;), a decimal point or a sign inside
_RUN = re.compile(r"[-+]?\d(?:[\d .\-+]*\d)?")
_ORDINAL = re.compile(LABEL_ORDINAL.lstrip("^"))
_CJK_THEN_DIGITS = r"[\u4e00-\u9fff）)”\"]\s?"
MAX_CUTS = 64  # more readings than this are counted, not listed
MAX_COMBINATIONS = 4096  # choices across the doubtful rows of 三 tried against the column rules


@dataclass
class Run:
    """One run of digits and the label text printed before it."""

    label: str
    label_span: tuple[int, int]
    text: str  # the run as printed
    span: tuple[int, int]
    chars: str  # the run without spaces
    pos: tuple[int, ...]  # the offset of each of chars in the document
    unit: Optional[str] = None  # 元 / 万元 printed right after the run


def glued(text: str, start: int, end: int, table: str) -> bool:
    """Is this region a table dumped with its cells run together (whole rows glued to their labels, on a few
    lines)? A table with its cells on lines of their own never is."""
    region = text[start:end]
    if sum(1 for line in region.split("\n") if line.strip()) > 4:
        return False
    if table == "requests":
        return len(re.findall(_CJK_THEN_DIGITS + r"\d[\d ]{5,}\d", region)) >= 3
    if table == "review_litigation":
        return re.search(_CJK_THEN_DIGITS + r"\d[\d ]{13,}\d", region) is not None
    return len(re.findall(_CJK_THEN_DIGITS + r"\d{3,}", region)) >= 2


def runs(text: str, start: int, end: int) -> list[Run]:
    """The region as label, run, label, run …; a digit followed by '.' and a word opens the next label."""
    out: list[Run] = []
    label_start = start
    for m in _RUN.finditer(text, start, end):
        a, b = m.span()
        nxt = text[b : b + 2]
        if len(nxt) == 2 and nxt[0] in ".．" and not nxt[1].isdigit() and not nxt[1].isspace():
            b -= 1  # "…00000002.其他": the last digit is the next row's number
            while b > a and text[b - 1] == " ":
                b -= 1
            if b <= a or not text[b - 1].isdigit():
                continue
        raw = text[a:b]
        pos = tuple(a + i for i, ch in enumerate(raw) if ch != " ")
        chars = "".join(text[p] for p in pos)
        after = text[b : b + 2].lstrip()
        unit = WAN_YUAN if after.startswith(WAN_YUAN) else YUAN if after.startswith(YUAN) else None
        out.append(Run(text[label_start:a], (label_start, a), raw, (a, b), chars, pos, unit))
        label_start = b
    return out


# --- cutting ---------------------------------------------------------------------------------------------


def _part_ok(part: str, col: Column) -> bool:
    """A number as a cell would print it: no leading zero unless it is 0; a sign only on a signed column;
    a decimal point only in an amount."""
    body = part
    if col.kind == "signed" and body[:1] in "-+":
        body = body[1:]
    if not body or not body[0].isdigit() or not body[-1].isdigit():
        return False
    if col.kind == "amount" and body.count(".") == 1:
        whole = body.split(".")[0]
        return whole.isdigit() and (whole == "0" or whole[0] != "0")
    return body.isdigit() and (body == "0" or body[0] != "0")


def _value(part: str, col: Column) -> int | float:
    return float(part) if "." in part else int(part)


def cuts(
    chars: str, columns: tuple[Column, ...], total_at: Optional[int] = None, limit: int = MAX_CUTS
) -> list[tuple[str, ...]]:
    """Every way to cut ``chars`` into one number per column (in printed order); with ``total_at``, only those
    whose other numbers add up to the one printed there (a row of 三, a group of 四)."""
    n = len(columns)
    out: list[tuple[str, ...]] = []

    def rec(i: int, k: int, acc: list[str]) -> None:
        if len(out) > limit:
            return
        if k == n - 1:
            part = chars[i:]
            if part and _part_ok(part, columns[k]):
                parts = [*acc, part]
                if total_at is not None and sum(int(p) for q, p in enumerate(parts) if q != total_at) != int(parts[total_at]):
                    return
                out.append(tuple(parts))
            return
        for j in range(i + 1, len(chars) - (n - 1 - k) + 1):
            part = chars[i:j]
            if not _part_ok(part, columns[k]):
                if part[:1].isdigit() and part[0] == "0" and j > i + 1:
                    break  # a leading zero only grows
                continue
            rec(j, k + 1, [*acc, part])

    if total_at is not None and not chars.isdigit():
        return []
    rec(0, 0, [])
    return out


T = TypeVar("T")


def to_template(items: Sequence[T], order: Sequence[int]) -> list[T]:
    """Items in printed column order, put in the template's: ``order[p]`` is the template position of the p-th
    printed item."""
    out: list[T] = list(items)
    for p, k in enumerate(order):
        out[k] = items[p]
    return out


def review_cuts(chars: str, columns: tuple[int, ...] = (0, 1, 2, 3, 4), limit: int = MAX_CUTS) -> list[tuple[str, ...]]:
    """四: fifteen numbers, three groups of five whose four results sum to their 总计, cut in printed order
    (``columns``: the template column of each printed one, the same in every group)."""
    out: list[tuple[str, ...]] = []
    if not chars.isdigit():
        return out
    printed = tuple(REVIEW_COLUMNS[k] for k in columns)
    total_at = columns.index(len(REVIEW_COLUMNS) - 1)
    k, n = len(REVIEW_COLUMNS), len(REVIEW_GROUPS)

    def rec(i: int, group: int, acc: tuple[str, ...]) -> None:
        if len(out) > limit:
            return
        if group == n - 1:
            out.extend(acc + c for c in cuts(chars[i:], printed, total_at, limit))
            return
        for j in range(i + k, len(chars) - k * (n - group - 1) + 1):
            for c in cuts(chars[i:j], printed, total_at, limit):
                rec(j, group + 1, acc + c)

    rec(0, 0, ())
    return out


def review_order(groups: Sequence[int], columns: Sequence[int]) -> list[int]:
    """The template position of each of 四's fifteen printed numbers."""
    k = len(REVIEW_COLUMNS)
    return [k * g + c for g in groups for c in columns]


def _cells(run: Run, parts: Sequence[str], order: Optional[Sequence[int]] = None) -> list[Cell]:
    """Each number as a cell whose span covers its own digits inside the run. ``parts`` are in the template's
    order; ``order`` (the template position of each printed number) says where each stands in the run."""
    order = list(range(len(parts))) if order is None else order
    out, i = [], 0
    for k in order:
        part = parts[k]
        a, b = run.pos[i], run.pos[i + len(part) - 1] + 1
        out.append(Cell(part, (a, b)))
        i += len(part)
    return to_template(out, order)


def _printed(run: Run) -> str:
    return run.text if len(run.text) <= 40 else run.text[:37] + "…"


# --- headers: the printed column order -------------------------------------------------------------------


def _order(header: str, labels: list[str]) -> list[int]:
    """Indices of ``labels`` in the order the header prints them (longest labels claimed first)."""
    flat = norm(header)
    taken = [False] * len(flat)
    found: list[tuple[int, int]] = []
    for k in sorted(range(len(labels)), key=lambda k: -len(labels[k])):
        lab = norm(labels[k])
        at = 0
        while (p := flat.find(lab, at)) >= 0:
            if not any(taken[p : p + len(lab)]):
                for q in range(p, p + len(lab)):
                    taken[q] = True
                found.append((p, k))
            at = p + 1
    return [k for _, k in sorted(found)]


def request_order(header: str) -> tuple[list[int], Optional[str]]:
    """The template column of each printed column of 三, from its header, and why not where it cannot tell.

    The template prints 自然人, the group 法人或其他组织 over five columns, and 总计, so a flattened header reads
    自然人 法人或其他组织 总计 商业企业 … 其他: the group stands for its sub-columns, which follow. No header
    printed: template order."""
    n = len(REQUEST_COLUMNS)
    labels = [c.label for c in REQUEST_COLUMNS] + [LEGAL_PERSONS]
    group = n
    order = _order(header, labels)
    if not order:
        return list(range(n)), None
    if group in order:
        subs = [k for k in order if k in range(1, n - 1)]
        top = [k for k in order if k not in subs]
        order = [k for t in top for k in (subs if t == group else [t])]
    if sorted(order) != list(range(n)):
        return list(range(n)), f"its header does not name each column once ({header.strip()[:60]})"
    return order, None


def _without_heading(label: str, spec: TableSpec) -> str:
    """The header printed before a table's first run, without the section heading (which names groups too)."""
    flat = label
    for words in sorted((spec.heading, *spec.heading_aliases), key=len, reverse=True):
        p = flat.find(words)
        if p >= 0:
            return flat[p + len(words) :]
    return flat


def review_header(header: str) -> tuple[tuple[list[int], list[int]], Optional[str]]:
    """四's printed group order and column order (the same columns in every group), or why not."""
    k = len(REVIEW_COLUMNS)
    plain = (list(range(len(REVIEW_GROUPS))), list(range(k)))
    groups = _order(header, [g.label for g in REVIEW_GROUPS])
    cols = _order(header, [c.label for c in REVIEW_COLUMNS])
    if groups and sorted(groups) != list(range(len(REVIEW_GROUPS))):
        return plain, "its header does not name each group once"
    if cols and (len(cols) % k or any(sorted(cols[i : i + k]) != list(range(k)) or cols[i : i + k] != cols[:k] for i in range(0, len(cols), k))):
        return plain, "its header prints the results in different orders"
    return (groups or plain[0], cols[:k] or plain[1]), None


def active_order(header: str, rspec: RowSpec) -> tuple[list[int], Optional[str]]:
    """The template column of each printed column of a 二 subtable, from its header."""
    n = len(rspec.columns)
    if not header:
        return list(range(n)), None
    order = _order(header, [re.split(r"[（(]", c.label)[0] for c in rspec.columns])
    if not order:
        return list(range(n)), None
    if sorted(order) != list(range(n)):
        return list(range(n)), "its subtable's header does not name each column once"
    return order, None


def _disagrees(header: str, layout: HeaderLayout, order: Sequence[int]) -> Optional[str]:
    """Why the column order read from the header is in doubt: match/columns, reading the same header as a tree
    of groups over columns, puts the columns elsewhere, or shows them out of the template's order without
    saying where (a group printed over columns that are not side by side: 行政诉讼 on both sides of 行政复议)."""
    texts = labels_in(header, layout)
    mine = map_columns(texts, layout)
    if mine is not None and None not in mine:
        return None if list(mine) == list(order) else "its header reads as another column order"
    if departs_flat(texts, layout) or (mine is None and list(order) != sorted(order)):
        return "its header does not say where each column is"
    return None


def _reordered(out: Placed, table: str, order: Sequence[int], columns: Sequence[Column]) -> None:
    if list(order) != sorted(order):
        printed = ", ".join(columns[k].key for k in order)
        out.note(FindingKind.REPAIRED, f"{table}: columns printed in another order ({printed}); placed by the header", table)


# --- the matchers ------------------------------------------------------------------------------------------


def _row_label(run: Run) -> tuple[str, tuple[int, int]]:
    """A row's label without the header or caption printed before it (the first ordinal opens the label)."""
    m = _ORDINAL.search(run.label)
    if m is None or m.start() == 0:
        return run.label, run.label_span
    return run.label[m.start() :], (run.label_span[0] + m.start(), run.label_span[1])


def _data_row(run: Run, i: int, label: Optional[str] = None) -> DataRow:
    text, span = (label, run.label_span) if label is not None else _row_label(run)
    cell = Cell(text.strip(), span)
    return DataRow(Row(cells=[cell], line=i), [cell], [], [], [])


def match_requests_runs(rows: list[DataRow], spec: TableSpec, ctx: MatchContext) -> Placed:
    text, (start, end) = ctx.text, ctx.regions[spec.name]
    out = Placed()
    out.repairs.append("cut_glued_runs")
    found = [r for r in runs(text, start, end) if len(r.chars) >= len(spec.rows[0].columns)]
    order = list(range(len(REQUEST_COLUMNS)))
    if found:
        header = _without_heading(found[0].label, spec)
        first = _ORDINAL.search(header)
        head = header[: first.start()] if first else ""
        order, doubt = request_order(head)
        doubt = doubt or _disagrees(head, REQUEST_HEADER, order)
        if doubt:
            for rspec in spec.rows:
                out.null_row("requests", rspec, RowStatus.AMBIGUOUS, f"not cut: {doubt}")
            return out
        _reordered(out, "requests", order, REQUEST_COLUMNS)
    printed = tuple(REQUEST_COLUMNS[k] for k in order)
    total_at = order.index(len(REQUEST_COLUMNS) - 1)
    drows = [_data_row(r, i) for i, r in enumerate(found)]
    first_rows = [d for d in drows if best_label(d, spec.rows[0])[0] >= ctx.settings.second_table_fit]
    if len(first_rows) > 1:
        return _printed_twice(out, spec, "its first row is printed more than once")
    pairs = align(drows, spec.rows, ctx.settings)
    options: dict[int, list[tuple[str, ...]]] = {}
    placed_runs: dict[int, Run] = {}
    for di, tj, _how in pairs:
        rspec = spec.rows[tj]
        why = _misfit(drows[di], rspec, spec, ctx.settings)
        if why:
            out.null_row(
                "requests", rspec, RowStatus.UNMATCHED, f"the run labelled '{drows[di].label[:30]}' {why}; left null"
            )
            continue
        run = found[di]
        options[tj] = [tuple(to_template(c, order)) for c in cuts(run.chars, printed, total_at)]
        placed_runs[tj] = run
    chosen = _choose_by_columns(spec, ctx.template, options)
    for tj, run in placed_runs.items():
        rspec, fits = spec.rows[tj], options[tj]
        repairs = ["cut_glued_run"]
        key = f"requests.{rspec.key}"
        if len(fits) == 1:
            parts = fits[0]
            out.cuts.append(RunCut(key, run.text, run.span, 1, "one_cut"))
        elif tj in chosen:
            parts = chosen[tj]
            repairs.append("cut_by_column_sums")
            out.cuts.append(RunCut(key, run.text, run.span, len(fits), "column_sums"))
        else:
            _ambiguous_run(out, "requests", rspec, run, len(fits), "the first six sum to the seventh")
            out.cuts.append(RunCut(key, run.text, run.span, len(fits), "ambiguous"))
            continue
        if order != sorted(order):
            repairs.append("columns_by_header")
        if place_row(out, "requests", rspec, _cells(run, parts, order), repairs):
            out.matched_rows += 1
    for tj, rspec in enumerate(spec.rows):
        if tj not in placed_runs and f"requests.{rspec.key}" not in out.status:
            missing(out, "requests", rspec, "row not found in the document")
    return out


def _printed_twice(out: Placed, spec: TableSpec, why: str) -> Placed:
    """A run-together dump keeps no caption apart from its cells, so which of two printed tables is this
    year's is not told: the whole table is left null, with a finding."""
    out.note(FindingKind.OTHER_TABLE, f"{spec.name}: {why}: two tables whose cells ran together, nothing tells "
             "which is this year's; left null", spec.name)
    for rspec in spec.rows:
        out.null_row(spec.name, rspec, RowStatus.AMBIGUOUS, "the table is printed twice in the dump; left null")
    return out


def _ambiguous_run(out: Placed, table: str, rspec: RowSpec, run: Run, n: int, rule: str) -> None:
    many = f"more than {MAX_CUTS}" if n > MAX_CUTS else str(n)
    how = "no cut" if n == 0 else f"{many} cuts"
    out.null_row(
        table,
        rspec,
        RowStatus.AMBIGUOUS,
        f"the run '{_printed(run)}' has its cells run together and {how} into {len(rspec.columns)} numbers fit "
        + (f"({rule})" if rule else "(the row has no arithmetic)")
        + "; left null",
    )


def _column_rules(spec: TableSpec, template: str) -> list[Rule]:
    return [r for r in rules(template) if r.name.startswith(("rule1:", "rule3:")) and r.lhs[0].startswith(spec.name)]


def _choose_by_columns(
    spec: TableSpec, template: str, options: dict[int, list[tuple[str, ...]]]
) -> dict[int, tuple[str, ...]]:
    """The one choice of cuts for the rows that cut several ways that keeps every column rule, if exactly one
    does; nothing otherwise (a source whose column sums are broken gets no help from them)."""
    doubtful = [tj for tj, fits in options.items() if 1 < len(fits) <= MAX_CUTS]
    if not doubtful:
        return {}
    total = 1
    for tj in doubtful:
        total *= len(options[tj])
    if total > MAX_COMBINATIONS:
        return {}
    base: dict[str, int] = {}
    for tj, fits in options.items():
        if len(fits) == 1:
            for col, part in zip(spec.rows[tj].columns, fits[0]):
                base[f"{spec.name}.{spec.rows[tj].key}.{col.key}"] = int(part)
    checks = _column_rules(spec, template)
    keep = []
    for combo in itertools.product(*(options[tj] for tj in doubtful)):
        values = dict(base)
        for tj, parts in zip(doubtful, combo):
            for col, part in zip(spec.rows[tj].columns, parts):
                values[f"{spec.name}.{spec.rows[tj].key}.{col.key}"] = int(part)
        evaluated = [r for r in checks if all(k in values for k in r.cells)]
        involved = {k for r in evaluated for k in r.cells}
        if not all(any(f"{spec.name}.{spec.rows[tj].key}." in k for k in involved) for tj in doubtful):
            return {}  # a doubtful row no evaluable rule touches: the column rules cannot choose its cut
        if all(sum(values[k] for k in r.lhs) == sum(values[k] for k in r.rhs) for r in evaluated):
            keep.append(combo)
            if len(keep) > 1:
                return {}
    return dict(zip(doubtful, keep[0])) if len(keep) == 1 else {}


def match_review_runs(rows: list[DataRow], spec: TableSpec, ctx: MatchContext) -> Placed:
    text, (start, end) = ctx.text, ctx.regions[spec.name]
    out = Placed()
    out.repairs.append("cut_glued_runs")
    n = len(REVIEW_GROUPS) * len(REVIEW_COLUMNS)
    found = [r for r in runs(text, start, end) if len(r.chars) >= n]
    if not found:
        for g in REVIEW_GROUPS:
            missing(out, "review_litigation", g, "its 15 numbers were not found")
        return out
    if len(found) > 1:
        return _printed_twice(out, spec, "more than one run of fifteen or more digits is printed")
    run = found[0]
    head = _without_heading(run.label, spec)
    (groups, columns), doubt = review_header(head)
    doubt = doubt or _disagrees(head, REVIEW_HEADER, review_order(groups, columns))
    fits = review_cuts(run.chars, tuple(columns)) if doubt is None else []
    out.cuts.append(
        RunCut(
            "review_litigation",
            run.text,
            run.span,
            len(fits),
            "one_cut" if len(fits) == 1 and doubt is None else "header" if doubt else "ambiguous",
        )
    )
    if doubt is not None or len(fits) != 1:
        for g in REVIEW_GROUPS:
            if doubt is not None:
                out.null_row("review_litigation", g, RowStatus.AMBIGUOUS, f"not cut: {doubt}")
            else:
                _ambiguous_run(
                    out, "review_litigation", g, run, len(fits), "each group's four results sum to its total"
                )
        return out
    order = review_order(groups, columns)
    cells = _cells(run, to_template(fits[0], order), order)
    repairs = ["cut_glued_run"] + (["columns_by_header"] if order != sorted(order) else [])
    if order != sorted(order):
        printed = ", ".join(f"{REVIEW_GROUPS[g].key}.{REVIEW_COLUMNS[c].key}" for g in groups[:1] for c in columns)
        out.note(
            FindingKind.REPAIRED,
            f"review_litigation: groups or columns printed in another order (groups {groups}, first: {printed}); "
            "placed by the header",
            "review_litigation",
        )
    k = len(REVIEW_COLUMNS)
    for i, g in enumerate(REVIEW_GROUPS):
        if place_row(out, "review_litigation", g, cells[k * i : k * i + k], repairs):
            out.matched_rows += 1
    return out


def match_active_runs(rows: list[DataRow], spec: TableSpec, ctx: MatchContext) -> Placed:
    text, (start, end) = ctx.text, ctx.regions[spec.name]
    out = Placed()
    out.repairs.append("cut_glued_runs")
    st = ctx.settings
    found = runs(text, start, end)
    said = statements(text, spec, [span for name, span in ctx.regions.items() if name in MATCHED_TABLES])
    column_words = sorted({re.split(r"[（(]", c.label)[0] for r in spec.rows for c in r.columns}, key=len, reverse=True)
    drows, headers = [], []
    for i, run in enumerate(found):
        label, header = _after_header(run.label, column_words)
        drows.append(_data_row(run, i, label))
        headers.append(header)
    assigned, scored = by_label(drows, spec.rows, st.active_fit)
    used_rows = {j for _, _, j, _ in assigned}
    for _fit, i, j, _how in assigned:
        twins = [k for s2, k, j2, _ in scored if j2 == j and k != i and s2 >= st.twin_fit]
        if any(found[k].chars != found[i].chars for k in twins):
            out.null_row("active_disclosure", spec.rows[j], RowStatus.AMBIGUOUS,
                         "printed twice with different digits (another year's table?); left null")
            continue
        # a subtable's header is printed before its first row only: its later rows are under it too
        header = next((headers[k] for k in range(i, -1, -1) if headers[k]), "")
        rspec, run = spec.rows[j], found[i]
        order, doubt = active_order(header, rspec)
        doubt = doubt or _disagrees(header, rspec.columns, order)
        if doubt:
            out.null_row("active_disclosure", rspec, RowStatus.AMBIGUOUS, f"not cut: {doubt}")
            continue
        _reordered(out, f"active_disclosure.{rspec.key}", order, rspec.columns)
        fits = [tuple(to_template(c, order)) for c in cuts(run.chars, tuple(rspec.columns[k] for k in order))]
        unit = YUAN if run.unit == YUAN else None
        key = f"active_disclosure.{rspec.key}"
        settled = _by_narrative(out, rspec, run, fits, said) if len(fits) > 1 else None
        if settled is not None:
            if place_row(out, "active_disclosure", rspec, _cells(run, settled, order), ["cut_glued_run", "cut_by_narrative"], unit):
                out.matched_rows += 1
            out.cuts.append(RunCut(key, run.text, run.span, len(fits), "narrative"))
            continue
        if len(fits) != 1:
            _ambiguous_run(out, "active_disclosure", rspec, run, len(fits), "")
            common = _place_common(out, rspec, run, fits, unit, order)
            out.cuts.append(RunCut(key, run.text, run.span, len(fits), "common_cells" if common else "ambiguous"))
            continue
        out.cuts.append(RunCut(key, run.text, run.span, 1, "one_cut"))
        if place_row(out, "active_disclosure", rspec, _cells(run, fits[0], order), ["cut_glued_run"], unit):
            out.matched_rows += 1
    for j, rspec in enumerate(spec.rows):
        if j not in used_rows:
            missing(out, "active_disclosure", rspec, f"row '{rspec.label}' not found in the document")
    return out


def _by_narrative(
    out: Placed, rspec: RowSpec, run: Run, fits: list[tuple[str, ...]], said: list[Statement]
) -> Optional[tuple[str, ...]]:
    """The one cut of the printed digits that agrees with every number the narrative states for this row, if
    exactly one does (the values are still the printed digits). A narrative that no cut agrees with is a
    finding; one that states two numbers for a cell is no evidence."""
    stated: dict[int, set[int]] = {}
    for k, col in enumerate(rspec.columns):
        values = {s.value for s in said if s.key == f"active_disclosure.{rspec.key}.{col.key}"}
        if len(values) == 1:
            stated[k] = values
    if not stated or len(fits) > MAX_CUTS:
        return None
    agree = [f for f in fits if all(_value(f[k], rspec.columns[k]) in v for k, v in stated.items())]
    if not agree:
        told = ", ".join(f"{rspec.columns[k].key} = {next(iter(v))}" for k, v in stated.items())
        out.note(
            FindingKind.NARRATIVE,
            f"active_disclosure.{rspec.key}: the narrative states {told}, which no cut of the printed '{_printed(run)}' gives",
            f"active_disclosure.{rspec.key}",
        )
    return agree[0] if len(agree) == 1 else None


def _place_common(
    out: Placed, rspec: RowSpec, run: Run, fits: list[tuple[str, ...]], unit: Optional[str], order: Sequence[int]
) -> bool:
    """Cells that every cut of a doubtful run puts in the same column with the same digits (a sign can pin
    one: ``2648-18538`` is 2648 then a negative change, however the rest cuts) are determined all the same."""
    if not fits or len(fits) > MAX_CUTS:
        return False
    spans = [[c.span for c in _cells(run, f, order)] for f in fits]
    common = [k for k in range(len(rspec.columns)) if len({s[k] for s in spans}) == 1]
    if not common:
        return False
    tmp = Placed()
    place_row(
        tmp, "active_disclosure", rspec, _cells(run, fits[0], order), ["cut_glued_run", "cut_common_to_every_reading"], unit
    )
    for k in common:
        key = f"active_disclosure.{rspec.key}.{rspec.columns[k].key}"
        if key in tmp.provenance:
            out.values[key] = tmp.values[key]
            out.provenance[key] = tmp.provenance[key]
    return True


def _after_header(label: str, column_words: list[str]) -> tuple[str, str]:
    """A 二 row's label is what follows the last column header word before it; the header is what precedes."""
    end = -1
    for w in column_words:
        p = label.rfind(w)
        if p >= 0:
            end = max(end, p + len(w))
    if end < 0:
        return label, ""
    return label[end:], label[:end]


