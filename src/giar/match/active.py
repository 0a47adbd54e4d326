"""Section 二: short subtables matched by label alone (reports reorder and omit them)."""

from __future__ import annotations

import re

from ..grid import DataRow
from ..status import RowStatus
from ..template import TEMPLATE_MARKERS, WAN_YUAN, YUAN, TableSpec
from .cells import Placed, choose_window, missing, place_row, unplaceable
from .labels import by_label
from .settings import MatchContext


def _headers(rows: list[DataRow]) -> list[str]:
    """For each row of 二, the header printed over its subtable (the label-only lines since the last caption)."""
    out, current = [], ""
    for row in rows:
        if row.before:
            current = "".join(c.text for r in row.before for c in r.cells)
        out.append(current)
    return out


def match_active(rows: list[DataRow], spec: TableSpec, ctx: MatchContext) -> Placed:
    """Rows of 二 by label. In text, a blank inside a short row cannot be told from a lost cell or a trailing
    tab, so such a row is left null (a structured table keeps its cells where they are). A subtable whose header
    names the other template's columns, or a row printed twice with different numbers, is left null too; an
    amount whose header says 元 is converted to 万元."""
    out = Placed()
    st, structured, template = ctx.settings, ctx.structured, ctx.template
    headers = _headers(rows)
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
        repairs = list(row.row.repairs) + ([how] if how else [])
        cells, chose = choose_window(row, len(rspec.columns), False, {})
        if cells is not None and (row.mixed or (not structured and any(not c.text for c in cells))):
            cells = None
        if cells is None:
            unplaceable(out, "active_disclosure", rspec, row)
            continue
        if chose:
            repairs.append(chose)
        unit = YUAN if YUAN in head and WAN_YUAN not in head else None
        if place_row(out, "active_disclosure", rspec, cells, repairs, unit):
            out.matched_rows += 1
    for j, rspec in enumerate(spec.rows):
        if j not in used_specs:
            missing(out, "active_disclosure", rspec, f"row '{rspec.label}' not found in the document")
    return out
