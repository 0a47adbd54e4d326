"""Section 四: fifteen numbers in three groups of five, read in template order or by their group labels."""

from __future__ import annotations

from typing import Optional

from ..grid import DataRow, parse_value
from ..model import Cell
from ..status import FindingKind, RowStatus
from ..template import REVIEW_GROUPS, TEMPLATES, TableSpec
from .cells import Placed, missing, place_row
from .labels import bare, norm, own, pair, similarity
from .settings import MatchContext, MatchSettings


def review_cells(rows: list[DataRow]) -> list[list[Cell]]:
    """Runs of numeric rows whose values together may make the 15 of section 四."""
    runs: list[list[Cell]] = []
    cur: list[Cell] = []
    for r in rows:
        vals = list(r.value_cells)
        while len(vals) > 5 and len(vals) % 5 and not vals[-1].text:  # tabs after the row, not blank cells
            vals.pop()
        while len(vals) > 5 and len(vals) % 5 and not vals[0].text:
            vals.pop(0)
        if bare(r) > 12:
            if cur:
                runs.append(cur)
            cur = []
            continue
        nums = [parse_value(c.text).value for c in vals if c.text]
        if len(nums) >= 5 and nums == list(range(1, len(nums) + 1)):
            continue  # a column-number row (1 2 3 … 15) under the header, not data
        cur.extend(vals)
    if cur:
        runs.append(cur)
    return runs


def _group_scores(row: DataRow) -> list[tuple[float, int]]:
    """How well the row's label names each group of 四, best first (index into REVIEW_GROUPS)."""
    return sorted(((similarity(row.label, g), k) for k, g in enumerate(REVIEW_GROUPS)), reverse=True)


def _review_by_label(rows: list[DataRow], st: MatchSettings) -> Optional[list[Cell]]:
    """Three labelled rows of five (行政复议 / 未经复议直接起诉 / 复议后起诉), in whatever order: by label."""
    five = [r for r in rows if len([c for c in r.value_cells if c.text]) == 5 and len(own(r)) >= 2]
    if len(five) != 3:
        return None
    order: dict[int, list[Cell]] = {}
    for r in five:
        (best, k), (second, _) = _group_scores(r)[:2]
        if best < st.group_fit or best - second < st.group_margin or k in order:
            return None
        order[k] = [c for c in r.value_cells if c.text]
    return [c for k in range(3) for c in order[k]]


def _review_layout_doubt(rows: list[DataRow], st: MatchSettings) -> Optional[str]:
    """Why 四 cannot be read by position: its rows are labelled with column names (a transposed table) or
    with group names out of the template's order."""
    columns = [c.label for c in REVIEW_GROUPS[0].columns]
    groups = []
    for r in rows:
        lab = own(r)
        if len(lab) < 2:
            continue
        if any(pair(lab, norm(c)) >= st.group_fit for c in columns):
            return f"a row is labelled '{r.label}', a column name: the table is printed transposed"
        best, k = _group_scores(r)[0]
        if best >= st.group_fit:
            groups.append(k)
        elif pair(lab, norm(REVIEW_GROUPS[1].group)) >= st.group_fit:
            groups.append(1)  # 行政诉讼 printed over both litigation groups
    if groups != sorted(groups):
        return "its rows are labelled with the groups out of the template's order"
    return None


def match_review(rows: list[DataRow], spec: TableSpec, ctx: MatchContext) -> Placed:
    """四 from its own region; where none of its rows are there, from the rows after table 三's last row (seed
    003: its heading lost at a page break, its number row left inside 三's region)."""
    out = _match_review(rows, ctx.settings)
    earlier = (ctx.earlier or {}).get("requests")
    if out.matched_rows == 0 and earlier is not None:
        spare = _match_review(earlier.spare, ctx.settings)
        if spare.matched_rows:
            spare.repairs.append("review_row_found_in_requests_region")
            spare.note(
                FindingKind.REPAIRED,
                f"review_litigation: heading not found; its 15-number row was found after table "
                f"{TEMPLATES[ctx.template].tables['requests'].ordinal}",
                "review_litigation",
            )
            return spare
    return out


def _match_review(rows: list[DataRow], st: MatchSettings) -> Placed:
    out = Placed()
    n = 5 * len(REVIEW_GROUPS)
    doubt = _review_layout_doubt(rows, st)
    if doubt:
        for g in REVIEW_GROUPS:
            out.null_row("review_litigation", g, RowStatus.AMBIGUOUS, f"not read by position: {doubt}")
        return out
    labelled = _review_by_label(rows, st)
    if labelled is not None:
        for k, g in enumerate(REVIEW_GROUPS):
            if place_row(out, "review_litigation", g, labelled[5 * k : 5 * k + 5], ["placed_by_label"]):
                out.matched_rows += 1
        return out
    runs = [r for r in review_cells(rows) if len(r) >= n]
    cells: list[Cell] | None = None
    repairs: list[str] = []
    for run in runs:
        if len(run) == n:
            cells = run
            break
        if len(run) == n + 1:
            cells, note = _drop_stray(run)
            if cells is None:
                out.note(FindingKind.AMBIGUOUS, f"review_litigation: {len(run)} numbers printed for {n}; {note}", "review_litigation")
            else:
                repairs.append(note)
                out.note(
                    FindingKind.REPAIRED,
                    f"review_litigation: {len(run)} numbers printed for {n}; cell {note.split(':')[1]} is a copy of "
                    "another and the only one whose removal makes every group add up, so it was dropped",
                    "review_litigation",
                )
            break
        if len(run) > n + 1 and len(run) % n == 0:
            copies = [[c.text for c in run[k : k + n]] for k in range(0, len(run), n)]
            if all(c == copies[0] for c in copies):
                cells = run[:n]
                repairs.append("first_of_repeated_rows")
            else:
                out.note(FindingKind.AMBIGUOUS, f"review_litigation: {len(run)} numbers printed for {n}", "review_litigation")
            break
    if cells is None:
        for g in REVIEW_GROUPS:
            missing(out, "review_litigation", g, "its 15 numbers were not found")
        return out
    for k, g in enumerate(REVIEW_GROUPS):
        if place_row(out, "review_litigation", g, cells[5 * k : 5 * k + 5], repairs):
            out.matched_rows += 1
    return out


def _drop_stray(run: list[Cell]) -> tuple[list[Cell] | None, str]:
    """One cell too many: keep the one way of dropping a cell that makes every group add up, if unique."""
    fits: dict[tuple, list[int]] = {}
    texts = [c.text for c in run]
    for drop in range(len(run)):
        if texts.count(texts[drop]) < 2:
            continue  # a stray cell is a converter's copy of a value printed elsewhere in the row
        rest = run[:drop] + run[drop + 1 :]
        nums = [parse_value(c.text).value for c in rest]
        if any(v is None for v in nums):
            continue
        if all(sum(nums[5 * k : 5 * k + 4]) == nums[5 * k + 4] for k in range(3)):  # type: ignore[arg-type]
            fits.setdefault(tuple(nums), []).append(drop)
    if len(fits) == 1:
        (_vals, drops), = fits.items()
        i = drops[0]
        return run[:i] + run[i + 1 :], f"drop_stray_cell:{i + 1}"
    return None, f"{len(fits)} readings without a repeated cell add up, so none is chosen"


