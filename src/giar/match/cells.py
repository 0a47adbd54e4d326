"""Cell placement and value conversion: a row's printed cells onto its template columns, each value typed.

:class:`Placed` is what every matcher returns: values on template keys with provenance, findings, and a typed
:class:`~giar.status.RowStatus` per row (and per cell where one cell alone is in doubt) that later stages read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

from ..grid import DataRow, parse_value, trim
from ..model import Cell, Finding, Number, ProvDict
from ..status import UNCERTAIN_REPAIRS, FindingKind, RowStatus
from ..template import WAN_YUAN, YUAN, RowSpec, Rule


@dataclass(frozen=True)
class RunCut:
    """How one run of digits whose cells ran together was cut (or why it was not)."""

    key: str  # table.row
    run: str  # the run as printed
    span: tuple[int, int]
    cuts: int  # how many cuts keep the row's rule
    how: str  # one_cut, column_sums, common_cells, ambiguous, header


@dataclass
class Placed:
    """Values placed on template keys for one table, with their provenance, status and what was noticed."""

    values: dict[str, Optional[Number]] = field(default_factory=dict)
    provenance: dict[str, ProvDict] = field(default_factory=dict)  # validated once, with the Report
    findings: list[Finding] = field(default_factory=list)
    status: dict[str, RowStatus] = field(default_factory=dict)  # "table.row" (or "table.row.col") -> status
    matched_rows: int = 0
    repairs: list[str] = field(default_factory=list)
    spare: list[DataRow] = field(default_factory=list)  # rows that belong to no row of this table
    # printed sums of several template rows (a 2021 table printing one （六）其他处理 row): extra equations
    sums: dict[str, Number] = field(default_factory=dict)
    sum_rules: list[Rule] = field(default_factory=list)
    cuts: list[RunCut] = field(default_factory=list)  # run-together rows: how each run was cut (giar inspect)

    def note(self, kind: FindingKind, message: str, key: Optional[str] = None) -> None:
        self.findings.append(Finding(kind=kind, message=message, key=key))

    def null_row(self, table: str, spec: RowSpec, status: RowStatus, message: Optional[str]) -> None:
        """Leave a whole row null and say why (precision before recall: no cell of a doubtful row is kept).
        Without a message, a finding on the whole table has said why."""
        key = f"{table}.{spec.key}"
        if message is not None:
            self.note(FindingKind(status.value), f"{key}: {message}", key)
        self.status[key] = status
        for col in spec.columns:
            self.values[f"{key}.{col.key}"] = None
            self.provenance.pop(f"{key}.{col.key}", None)


# --- placing the cells of one row ----------------------------------------------------------------------


def windows(cells: list[Cell], width: int) -> list[int]:
    """Offsets at which ``width`` consecutive cells can be the row's values, every cell outside blank."""
    if len(cells) <= width:
        return [0]
    return [
        o
        for o in range(len(cells) - width + 1)
        if not any(c.text for c in cells[:o]) and not any(c.text for c in cells[o + width :])
    ]


def _fits_sum(cells: list[Cell]) -> bool:
    """Could the first cells add up to the last (blanks unknown, counts never negative)?"""
    vals = [parse_value(c.text).value if parse_value(c.text).kind in ("number", "dash") else None for c in cells]
    *parts, total = vals
    known = sum(v for v in parts if v is not None)
    if total is None:
        return True
    if any(v is None for v in parts):
        return known <= total
    return known == total


def label_cols(row: DataRow) -> int:
    return len(row.row.cells) - len(row.value_cells)


def choose_window(
    row: DataRow,
    width: int,
    summed: bool,
    starts: dict[int, int],
    arrange: Optional[Callable[[list[Cell]], list[Cell]]] = None,
) -> tuple[Optional[list[Cell]], Optional[str]]:
    """The row's value cells, or None when which column each number belongs to is not determined.

    Blank cells (padding, a blank 总计, trailing tabs) can leave several readings: keep those whose own sum can
    hold, then require the reading to start where the table's fully printed rows of the same shape start.
    ``arrange`` puts printed cells in template order (columns printed in another order) before a sum is tried."""
    cells = row.value_cells

    def _fits(window: list[Cell]) -> bool:
        return _fits_sum(arrange(window) if arrange is not None else window)

    if len(cells) < width:
        return cells, None  # too few cells: place_row reports it
    offs = windows(cells, width)
    if not offs:
        return cells, None  # more printed cells than columns: place_row reports it
    if summed and len(offs) > 1:
        offs = [o for o in offs if _fits(cells[o : o + width])] or offs
    lc = label_cols(row)
    start = starts.get(lc)
    if len(offs) == 1 and all(c.text for c in cells[offs[0] : offs[0] + width]):
        o = offs[0]  # every column printed, only blanks around: the numbers go in order
        if summed and o + width < len(cells) and not _fits(cells[o : o + width]):
            return None, None  # ... unless a blank 总计 after them was pushed out by a number split in two cells
        if start is not None and lc + o != start:
            # ... but not where this table's rows of the same shape start: a number split in two cells can push
            # a blank 总计 out of the window. Trusted only while the table adds up (pipeline).
            return cells[o : o + width], "off_usual_columns"
        return cells[o : o + width], ("choose_value_columns" if len(cells) > width else None)
    if start is not None:
        offs = [o for o in offs if lc + o == start]
    if len(offs) != 1:
        return None, None
    o = offs[0]
    return cells[o : o + width], ("choose_value_columns" if len(cells) > width else None)


def usual_starts(rows: list[DataRow], width: int) -> dict[int, int]:
    """Per row shape (number of label cells): the column where values start in rows that print every one of
    their numbers. Converters keep it within a table even when they shift it between shapes (seed 000)."""
    counts: dict[int, dict[int, int]] = {}
    for r in rows:
        offs = windows(r.value_cells, width)
        if len(offs) == 1 and len(r.value_cells) >= width:
            o = offs[0]
            if all(c.text for c in r.value_cells[o : o + width]):
                lc = label_cols(r)
                by = counts.setdefault(lc, {})
                by[lc + o] = by.get(lc + o, 0) + 1
    return {lc: max(by, key=lambda k: by[k]) for lc, by in counts.items()}


def usual_lengths(rows: list[DataRow]) -> dict[int, int]:
    """In a structured table every row of one shape has the same number of cells: the common count per shape."""
    counts: dict[int, dict[int, int]] = {}
    for r in rows:
        by = counts.setdefault(label_cols(r), {})
        by[len(r.row.cells)] = by.get(len(r.row.cells), 0) + 1
    return {lc: max(by, key=lambda k: by[k]) for lc, by in counts.items() if sum(by.values()) >= 3}


def unplaceable(out: Placed, table: str, spec: RowSpec, row: DataRow) -> None:
    printed = " ".join(c.text or "∅" for c in row.value_cells)
    out.null_row(
        table,
        spec,
        RowStatus.AMBIGUOUS,
        f"the printed cells ({printed}) do not line up with the table's columns (a cell blank or lost); which "
        "column each number belongs to is not determined, so the row is left null",
    )


def place_row(
    out: Placed,
    table: str,
    spec: RowSpec,
    cells: list[Cell],
    repairs: list[str],
    header_unit: Optional[str] = None,
    status: RowStatus = RowStatus.CLEAN,
    unread: frozenset[str] = frozenset(),
) -> bool:
    """Put a row's cells on its columns when their count fits; otherwise null the row with a finding.

    ``status`` says how sure the placement is (by position, with a blank cell …); its named repair goes into
    provenance for people, the status itself into ``out.status`` for the stages after. Columns in ``unread``
    (their printed place is not determined: the matcher said why) are left null and frozen."""
    if status in UNCERTAIN_REPAIRS and UNCERTAIN_REPAIRS[status] not in repairs:
        repairs = [*repairs, UNCERTAIN_REPAIRS[status]]
    width = len(spec.columns)
    vals = trim(cells, width)
    key_row = f"{table}.{spec.key}"
    if len(vals) != width:
        printed = " ".join(c.text or "∅" for c in vals)
        out.null_row(
            table,
            spec,
            RowStatus.AMBIGUOUS,
            f"{len(vals)} cells printed for {width} columns ({printed}); which column each belongs to is not "
            "determined, so the row is left null",
        )
        return False
    blanks = []
    for col, cell in zip(spec.columns, vals):
        key = f"{key_row}.{col.key}"
        if col.key in unread:
            out.values[key] = None
            out.status[key] = RowStatus.AMBIGUOUS
            continue
        v = parse_value(cell.text)
        if v.kind in ("blank", "text"):
            out.values[key] = None
            blanks.append(col.key if v.kind == "blank" else f"{col.key} ('{cell.text}')")
            continue
        value = v.value
        if v.kind == "dash":
            out.note(FindingKind.DASH, f"{key}: printed '{cell.text}', read as 0", key)
        if v.mark:
            out.note(FindingKind.FOOTNOTE, f"{key}: printed '{cell.text}', the footnote mark '{v.mark}' is not part of the number", key)
        if col.kind == "amount" and (v.unit == YUAN or (v.unit is None and header_unit == YUAN)):
            value = round(float(value) / 10000, 8)  # type: ignore[arg-type]
            where = "" if v.unit else f" (the column header says {YUAN})"
            out.note(FindingKind.UNIT, f"{key}: printed '{cell.text}' in {YUAN}{where}, converted to {value} {WAN_YUAN}", key)
        elif col.kind == "count" and value < 0:  # type: ignore[operator]
            out.null_row(table, spec, RowStatus.AMBIGUOUS, f"a count printed negative ('{cell.text}'): a cell is probably lost")
            return False
        elif col.kind != "amount" and isinstance(value, float):
            # 1.520 or 2.000: a decimal part (or a thousands point?) in a count is not an integer reading
            out.note(FindingKind.AMBIGUOUS, f"{key}: a count printed with a decimal part ('{cell.text}')", key)
            out.status[key] = RowStatus.AMBIGUOUS
            out.values[key] = None
            continue
        out.values[key] = value
        out.provenance[key] = {"method": "rules", "span": cell.span, "text": cell.text, "repairs": repairs}
    if blanks:
        out.note(FindingKind.BLANK, f"{key_row}: printed blank: {', '.join(blanks)} (null unless the arithmetic fixes it)", key_row)
    out.status.setdefault(key_row, status)
    return True


def missing(out: Placed, table: str, spec: RowSpec, why: str) -> None:
    out.null_row(table, spec, RowStatus.MISSING, why)
