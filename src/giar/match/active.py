"""Section 二: short subtables matched by label alone (reports reorder and omit them)."""

from __future__ import annotations

import re

from ..grid import DataRow
from ..status import RowStatus
from ..template import TEMPLATE_MARKERS, WAN_YUAN, YUAN, TableSpec
from .cells import Placed, choose_window, missing, place_row, unplaceable
from .columns import arrange_row, report, table_header
from .labels import by_label, norm
from .settings import MatchContext
from .years import this_years


def _headers(rows: list[DataRow]) -> list[DataRow]:
    """For each row of 二, the row its subtable's header is printed above (the label-only lines since the last
    caption)."""
    out, current = [], rows[0] if rows else None
    for row in rows:
        if row.before:
            current = row
        assert current is not None
        out.append(current)
    return out


def _starts_table(row: DataRow, spec: TableSpec) -> bool:
    """The first subtable's caption (第二十条第（一）项) printed again: a second table 二 starts."""
    first = norm(spec.rows[0].group)
    return any(first in norm("".join(c.text for c in r.cells)) for r in row.before)


def match_active(rows: list[DataRow], spec: TableSpec, ctx: MatchContext) -> Placed:
    """Rows of 二 by label. In text, a blank inside a short row cannot be told from a lost cell or a trailing
    tab, so such a row is left null (a structured table keeps its cells where they are). A subtable whose header
    names the other template's columns, or a row printed twice with different numbers, is left null too; an
    amount whose header says 元 is converted to 万元."""
    out = Placed()
    st, structured, template = ctx.settings, ctx.structured, ctx.template
    chosen = this_years(out, rows, spec, ctx, lambda r: _starts_table(r, spec))
    if chosen is None:
        return out
    rows = chosen
    heads = _headers(rows)
    headers = ["".join(c.text for r in h.before for c in r.cells) for h in heads]
    other = [w for name, words in TEMPLATE_MARKERS.items() if name != template for w in words]
    assigned, scored = by_label(rows, spec.rows, st.active_fit)
    used_specs = {j for _, _, j, _ in assigned}
    used_rows: set[int] = set()  # as the assignment goes: a twin is a row not yet taken by a better fit
    for _fit, i, j, how in assigned:
        used_rows.add(i)
        rspec, row = spec.rows[j], rows[i]
        twins = [rows[k] for s2, k, j2, _ in scored if j2 == j and k != i and s2 >= st.twin_fit and k not in used_rows]
        if any([c.text for c in t.value_cells if c.text] != [c.text for c in row.value_cells if c.text] for t in twins):
            out.null_row("active_disclosure", rspec, RowStatus.AMBIGUOUS, "printed twice with different numbers; left null")
            continue
        head = re.sub(r"\s", "", headers[i])
        if template and any(w in head for w in other):
            out.null_row(
                "active_disclosure",
                rspec,
                RowStatus.AMBIGUOUS,
                f"its subtable's header ({headers[i][:40]}) names the other template's columns; left null",
            )
            continue
        header = table_header([heads[i]], rspec.columns, st, structured)
        report(out, header, rspec.columns, f"active_disclosure.{rspec.key}", st)
        if header.unreadable:
            out.null_row("active_disclosure", rspec, RowStatus.AMBIGUOUS, None)
            continue
        repairs = list(row.row.repairs) + ([how] if how else [])
        cells, chose = choose_window(row, len(rspec.columns), False, {})
        if cells is not None and (row.mixed or (not structured and any(not c.text for c in cells))):
            cells = None
        if cells is None:
            unplaceable(out, "active_disclosure", rspec, row)
            continue
        if chose:
            repairs.append(chose)
        cells, unread = arrange_row(header, cells, rspec.columns)
        if header.departs:
            repairs.append("placed_by_header")
        unit = YUAN if YUAN in head and WAN_YUAN not in head else None
        if place_row(out, "active_disclosure", rspec, cells, repairs, unit, unread=unread):
            out.matched_rows += 1
    for j, rspec in enumerate(spec.rows):
        if j not in used_specs:
            missing(out, "active_disclosure", rspec, f"row '{rspec.label}' not found in the document")
    return out
