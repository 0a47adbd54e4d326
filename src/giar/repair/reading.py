"""What the reader saw of each number of a table: the evidence a model's answer must agree with.

A model may only place numbers the reader found (tokens), and only where the reader's own evidence allows:

- a number the rules placed on a row whose label they matched stays on that row, and one they placed in a
  clean row stays in its column;
- a number on a line whose label names one row (the rules' placement of its neighbours on the line, or the
  label itself) stays on that row; on a line printing a full row, its column is its position;
- where the rules' reading shows the table printed in template order, every placement keeps that order, and
  one printed row per line keeps each line on one row;
- a line the reader could not attach to a row has a row only where the order leaves one: as many unattached
  lines between two attached ones as template rows between their rows. Elsewhere its row is not determined
  by anything the reader saw, and no model's word makes it so.

Columns the reader did not see (a row printed with fewer numbers than columns) are left to the arithmetic
(``giar.repair.merge``). Built from the grid, the matcher's placement before the pipeline un-placed anything,
and the labels; it never reads a finding's words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Optional

from ..grid import DataRow, parse_value
from ..model import Grid, Token
from ..status import RowStatus
from ..template import TEMPLATES, TemplateName, rules

if TYPE_CHECKING:
    from ..match import MatchSettings, Placed

# placed by their own label: the row is what the reader saw (the columns only where nothing was in doubt)
_LABELLED = frozenset({RowStatus.CLEAN, RowStatus.BLANK_CELL, RowStatus.OFF_COLUMNS})


@dataclass(frozen=True)
class Seen:
    """Where one token stands and what the reader made of it."""

    line: int  # index of its grid row
    pos: int  # its cell's index on that line
    row: Optional[str] = None  # template row the reader attached it to
    column: Optional[str] = None  # column the reader saw it under


@dataclass
class Reading:
    table: str
    template: TemplateName
    tokens: list[Token]
    seen: dict[int, Seen]  # token id -> evidence
    in_order: bool  # the reader's placements run in template order (rows down, columns across)
    one_row_per_line: bool  # no printed line holds numbers of two rows
    forced: dict[int, str] = field(default_factory=dict)  # unattached line -> the only row the order leaves it

    @property
    def rows(self) -> list[str]:
        return [r.key for r in TEMPLATES[self.template].tables[self.table].rows]

    def order(self, cell: str) -> tuple[int, int]:
        """(row index, column index) of 'row.column' in template order."""
        row, col = cell.split(".")
        spec = TEMPLATES[self.template].tables[self.table].row(row)
        return self.rows.index(row), [c.key for c in spec.columns].index(col)

    def token(self, span: Optional[tuple[int, int]]) -> Optional[int]:
        if span is None:
            return None
        return self._by_span().get(tuple(span))  # type: ignore[arg-type]

    def _by_span(self) -> dict[tuple[int, int], int]:
        if not hasattr(self, "_spans"):
            self._spans = {t.span: t.id for t in self.tokens}
        return self._spans

    def row_of(self, token_id: int) -> Optional[str]:
        """The row the reader attached the token to, or the only one the order leaves it."""
        s = self.seen[token_id]
        return s.row or self.forced.get(s.line)

    def lines(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for t in self.tokens:
            out.setdefault(self.seen[t.id].line, []).append(t.id)
        return out


def grid_tokens(grid: Optional[Grid]) -> tuple[list[Token], dict[int, tuple[int, int]]]:
    """Every number (and dash, read as 0) the reader found in a table's grid, in reading order, with the
    (line, position) of each."""
    out: list[Token] = []
    where: dict[int, tuple[int, int]] = {}
    if grid is None:
        return out, where
    for i, row in enumerate(grid.rows):
        for j, cell in enumerate(row.cells):
            v = parse_value(cell.text)
            if v.kind in ("number", "dash") and v.value is not None:
                where[len(out)] = (i, j)
                out.append(Token(id=len(out), text=cell.text, value=v.value, span=cell.span))
    return out, where


def read(
    table: str,
    template: TemplateName,
    grid: Optional[Grid],
    rows: list[DataRow],
    placed: Optional[Placed],
    settings: MatchSettings,
    structured: bool = False,
) -> Reading:
    from ..match.cells import choose_window, usual_starts

    tokens, where = grid_tokens(grid)
    spec = TEMPLATES[template].tables[table]
    order = {r.key: i for i, r in enumerate(spec.rows)}
    cols = {r.key: [c.key for c in r.columns] for r in spec.rows}
    by_span = {t.span: t.id for t in tokens}
    firm_row: dict[int, str] = {}
    firm_col: dict[int, str] = {}
    rules_cell: dict[int, tuple[str, str]] = {}
    if placed is not None:
        for key, prov in placed.provenance.items():
            tid = by_span.get(tuple(prov.get("span") or ()))  # type: ignore[arg-type]
            if tid is None:
                continue
            _, row, col = key.split(".")
            status = placed.status.get(f"{table}.{row}")
            if status not in _LABELLED:
                continue
            firm_row[tid] = row
            rules_cell[tid] = (row, col)
            if status is RowStatus.CLEAN and placed.status.get(key) is None:
                firm_col[tid] = col

    line_tokens: dict[int, list[int]] = {}
    for tid, (line, _) in where.items():
        line_tokens.setdefault(line, []).append(tid)
    line_row: dict[int, str] = {}
    several = False
    for line, ids in line_tokens.items():
        found = {firm_row[t] for t in ids if t in firm_row}
        if len(found) == 1:
            line_row[line] = found.pop()
        several = several or len(found) > 1 or len(ids) > max(len(c) for c in cols.values())
    one_per_line = not several

    # a line nothing of which the rules placed: its own label, where it names one row clearly
    if grid is not None and one_per_line:
        index = {id(r): i for i, r in enumerate(grid.rows)}
        for d in rows:
            i = index.get(id(d.row))
            if i is None or i in line_row or i not in line_tokens:
                continue
            named = _named_row(d, spec.rows, settings)
            if named is not None:
                line_row[i] = named

    in_order = _runs_in_order(
        [(where[t], order[r], cols[r].index(c)) for t, (r, c) in rules_cell.items()],
        [(line, order[r]) for line, r in line_row.items()],
    )
    forced = _forced(line_tokens, line_row, order, [r.key for r in spec.rows]) if in_order and one_per_line else {}

    # a line printing a number for every column of its row, or (in a structured table, whose blank cells are
    # cells) a cell for every column, shows each number's column by its position; in text a blank may be a
    # lost cell, and the numbers after it shifted
    if one_per_line and grid is not None and structured:
        index = {id(r): i for i, r in enumerate(grid.rows)}
        summed = any(r.name.startswith("rule2:") for r in rules(template) if r.lhs[0].startswith(table + "."))
        for d in rows:
            i = index.get(id(d.row))
            named_row = (line_row.get(i) or forced.get(i)) if i is not None else None
            if named_row is None:
                continue
            width = len(cols[named_row])
            window, how = choose_window(d, width, summed, usual_starts(rows, width))
            if window is None or len(window) != width or how == "off_usual_columns":
                continue  # which column each number is under is not what the reader saw
            for cell, col in zip(window, cols[named_row]):
                if (t := by_span.get(cell.span)) is not None and cell.text:
                    firm_col.setdefault(t, col)
    if one_per_line:
        for line, ids in line_tokens.items():
                named_row = line_row.get(line) or forced.get(line)
                if named_row is not None and len(ids) == len(cols[named_row]):
                    for t, col in zip(sorted(ids, key=lambda t: where[t][1]), cols[named_row]):
                        firm_col.setdefault(t, col)

    if in_order and not one_per_line and placed is not None:
        for tid, (run_row, run_col) in _runs(tokens, rules_cell, order, cols, table, template, placed).items():
            firm_row[tid], firm_col[tid] = run_row, run_col

    seen = {}
    for tok in tokens:
        at, pos = where[tok.id]
        attached = firm_row.get(tok.id) or (line_row.get(at) if one_per_line else None)
        known = attached or forced.get(at)
        seen[tok.id] = Seen(line=at, pos=pos, row=attached, column=firm_col.get(tok.id) if known else None)
    return Reading(table, template, tokens, seen, in_order, one_per_line, forced)


MAX_BLANKS = 2  # blanks among a run of unplaced numbers whose places are worked out (15 cells: 105 readings)


def _runs(
    tokens: list[Token],
    rules_cell: dict[int, tuple[str, str]],
    order: dict[str, int],
    cols: dict[str, list[str]],
    table: str,
    template: TemplateName,
    placed: Placed,
) -> dict[int, tuple[str, str]]:
    """A line printing several rows in template order (section 四's fifteen numbers), some cells blank: each
    way of putting the run's numbers in order on the cells between its neighbours, with as many blanks as
    numbers are missing, is a reading; the arithmetic rules out readings that break an equation. A number
    every remaining reading puts in the same cell has that place; the others have none."""
    from ..validate import evaluate

    cells = [(r, c) for r in sorted(cols, key=lambda r: order[r]) for c in cols[r]]
    rank = {cell: i for i, cell in enumerate(cells)}
    table_rules = [r for r in rules(template) if r.lhs[0].startswith(table + ".")]
    out: dict[int, tuple[str, str]] = {}
    run: list[Token] = []
    for tok in [*tokens, None]:
        if tok is not None and tok.id not in rules_cell:
            run.append(tok)
            continue
        if run:
            before = max((rank[rules_cell[t.id]] for t in tokens if t.id in rules_cell and t.id < run[0].id), default=-1)
            after = min((rank[rules_cell[t.id]] for t in tokens if t.id in rules_cell and t.id > run[-1].id), default=len(cells))
            slots = cells[before + 1 : after]
            blanks = len(slots) - len(run)
            if 0 <= blanks <= MAX_BLANKS:
                agreed: Optional[dict[int, tuple[str, str]]] = None
                for empty in combinations(range(len(slots)), blanks):
                    kept = [cell for i, cell in enumerate(slots) if i not in empty]
                    mapping = {t.id: cell for t, cell in zip(run, kept)}
                    values = {k: v for k, v in placed.values.items()}
                    values.update({f"{table}.{r}.{c}": None for r, c in slots})
                    values.update({f"{table}.{r}.{c}": t.value for t, (r, c) in zip(run, kept)})
                    if any((sides := evaluate(rule, values)) and sides[0] != sides[1] for rule in table_rules):
                        continue
                    agreed = mapping if agreed is None else {t: c for t, c in agreed.items() if mapping.get(t) == c}
                out.update(agreed or {})
            run = []
    return out


def _named_row(row: DataRow, specs: Iterable, settings: MatchSettings) -> Optional[str]:
    from ..match.labels import best_label

    scores = sorted(((best_label(row, s)[0], s.key) for s in specs), reverse=True)
    if not scores:
        return None
    best = scores[0]
    second = scores[1][0] if len(scores) > 1 else 0.0
    if best[0] >= settings.min_label_fit and best[0] - second >= settings.better_fit_margin:
        return best[1]
    return None


def _runs_in_order(
    cells: list[tuple[tuple[int, int], int, int]], lines: list[tuple[int, int]]
) -> bool:
    """Do the reader's own placements run in template order: rows never go back down the page, and within a
    row the columns go left to right?"""
    last: tuple[int, int] = (-1, -1)
    for _, r, c in sorted(cells):
        if (r, c) <= last:
            return False
        last = (r, c)
    rows = [r for _, r in sorted(lines)]
    return all(a <= b for a, b in zip(rows, rows[1:]))


def _forced(
    line_tokens: dict[int, list[int]], line_row: dict[int, str], order: dict[str, int], keys: list[str]
) -> dict[int, str]:
    """Unattached lines whose row the order alone decides: between two attached lines (or the table's ends),
    as many unattached lines as template rows."""
    out: dict[int, str] = {}
    lines = sorted(line_tokens)
    anchors = [(-1, -1)] + [(line, order[line_row[line]]) for line in lines if line in line_row]
    anchors.append((max(lines, default=0) + 1, len(keys)))
    for (a_line, a_row), (b_line, b_row) in zip(anchors, anchors[1:]):
        gap_lines = [line for line in lines if a_line < line < b_line and line not in line_row]
        gap_rows = list(range(a_row + 1, b_row))
        if gap_lines and len(gap_lines) == len(gap_rows):
            out.update({line: keys[r] for line, r in zip(gap_lines, gap_rows)})
    return out
