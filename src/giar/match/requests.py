"""Section 三: printed rows aligned to the template's rows in template order.

Rows come in template order, so they are aligned by a small dynamic programme that rewards label similarity
and keeps order; a row without a readable label still lands by position, but only while nothing around it is
lost or extra, and only while the table adds up (the pipeline un-places such rows otherwise).
"""

from __future__ import annotations

from typing import Optional

from ..grid import DataRow, trim
from ..status import FindingKind, RowStatus
from ..template import (
    OTHER_SUBROW_WORDS,
    OTHER_WORD,
    REQUEST_HEADER,
    REQUESTS_2019,
    REQUESTS_2021,
    RowSpec,
    Rule,
    TableSpec,
)
from .cells import Placed, choose_window, label_cols, missing, place_row, unplaceable, usual_lengths, usual_starts
from .columns import HeaderReading, arrange_row, report, table_header
from .labels import Candidates, bare, best_label, candidates, column_join, core, fit, norm, own, similarity, targets
from .settings import MatchContext, MatchSettings
from .years import this_years


def _gain(
    row: DataRow, spec: RowSpec, cands: Candidates, bare_len: int, tg: tuple[str, ...], st: MatchSettings
) -> tuple[float, Optional[str]]:
    if bare_len < 2 and not row.after and not row.before:
        return st.unlabeled_gain, None
    sim, how = best_label(row, spec, cands, tg)
    if bare_len < 2 and sim < st.fragment_fit:
        return st.unlabeled_gain, None  # only fragments around it, and they don't fit: position decides
    return sim - 0.5, how


def _diagonal(rows: list[DataRow], specs: tuple[RowSpec, ...], st: MatchSettings) -> Optional[list[tuple[int, int, Optional[str]]]]:
    """The common case, checked first because it is cheap: one row per template row, in order, every
    printed label fitting its place."""
    if len(rows) != len(specs):
        return None
    pairs: list[tuple[int, int, Optional[str]]] = []
    for i, (row, spec) in enumerate(zip(rows, specs)):
        cands = candidates(row)
        if bare(row) < 2:
            pairs.append((i, i, None))
            continue
        sim, how = best_label(row, spec, cands)
        if sim < st.diagonal_fit:
            return None
        neighbours = [specs[k] for k in (i - 1, i + 1) if 0 <= k < len(specs)]
        if len(own(row)) >= 4 and any(best_label(row, n, cands)[0] > sim + st.neighbour_margin for n in neighbours):
            return None  # two rows printed in each other's places: let the alignment and its checks decide
        pairs.append((i, i, how))
    return pairs


def align(rows: list[DataRow], specs: tuple[RowSpec, ...], st: MatchSettings) -> list[tuple[int, int, str | None]]:
    """Monotone alignment of data rows to template rows maximising label fit; returns (data, template, how)."""
    n, m = len(rows), len(specs)
    neg = float("-inf")
    dp = [[neg] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, str | None] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cands = [candidates(r) for r in rows]
    owns = [bare(r) for r in rows]
    tgs = [targets(s) for s in specs]
    gains = [[_gain(rows[i], specs[j], cands[i], owns[i], tgs[j], st) for j in range(m)] for i in range(n)]
    dp[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            cur = dp[i][j]
            if cur == neg:
                continue
            if i < n and j < m:
                g, how = gains[i][j]
                if cur + g > dp[i + 1][j + 1]:
                    dp[i + 1][j + 1], back[i + 1][j + 1] = cur + g, (i, j, how)
            if j < m and cur + st.skip_template > dp[i][j + 1]:
                dp[i][j + 1], back[i][j + 1] = cur + st.skip_template, (i, j, "skip")
            if i < n and cur + st.skip_data > dp[i + 1][j]:
                dp[i + 1][j], back[i + 1][j] = cur + st.skip_data, (i, j, "skip")
    pairs: list[tuple[int, int, str | None]] = []
    i, j = n, m
    while (i, j) != (0, 0):
        prev = back[i][j]
        assert prev is not None
        pi, pj, how = prev
        if pi == i - 1 and pj == j - 1:
            pairs.append((pi, pj, how))
        i, j = pi, pj
    return pairs[::-1]


_AGGREGATE = next(r for r in REQUESTS_2019 if r.key == "other_processing")


def _aggregate_other(out: Placed, fits: list[DataRow], spec: TableSpec, st: MatchSettings, header: HeaderReading) -> list[DataRow]:
    """A 2021 table that prints the old single （六）其他处理 row: its numbers are the sum of the three
    other_* rows, not any one of them, so they become an equation for the inference step."""
    parts = [r for r in spec.rows if r.key.startswith("other_") and r.key != "other_processing"]
    if not parts:
        return fits
    keep = []
    for row in fits:
        if OTHER_WORD not in norm(row.label):
            keep.append(row)
            continue
        # the old single row prints its group words and nothing after them; a 2021 sub-row under a repeated
        # rowspan label ("三、本年度办理结果 （六）其他处理 2.申请人…") has its own words left over
        rest = norm(row.label)
        for words in (_AGGREGATE.group, _AGGREGATE.label):
            rest = rest.replace(norm(words), "")
        agg = similarity(row.label, _AGGREGATE)
        if len(rest) <= 1 and agg >= st.subrow_fit:
            tmp = Placed()
            cells, unread = arrange_row(header, row.value_cells, _AGGREGATE.columns)
            if place_row(tmp, "requests", _AGGREGATE, cells, list(row.row.repairs), unread=unread):
                for col in _AGGREGATE.columns:
                    v = tmp.values.get(f"requests.other_processing.{col.key}")
                    if v is not None:
                        out.sums[f"requests.other_processing.{col.key}"] = v
                        out.sum_rules.append(
                            Rule(
                                f"printed {_AGGREGATE.label}:{col.key}",
                                tuple(f"requests.{p.key}.{col.key}" for p in parts),
                                (f"requests.other_processing.{col.key}",),
                            )
                        )
                out.note(
                    FindingKind.AGGREGATE,
                    f"requests: the table prints one {_AGGREGATE.label} row (the 2019 layout) instead of its three "
                    "2021 sub-rows; its numbers are kept as their sum, and the sub-rows are null unless the "
                    "arithmetic fixes them",
                    "requests.other_processing",
                )
            continue
        keep.append(row)
    return keep


_SUBROWS = tuple(r for r in REQUESTS_2021 if r.key.startswith("other_"))


def _split_other(out: Placed, fits: list[DataRow], spec: TableSpec, st: MatchSettings, header: HeaderReading) -> list[DataRow]:
    """A 2019 table that prints the 2021 sub-rows of （六）: they are parts of other_processing, not it; their
    numbers become an equation (other_processing = their sum) for the inference step."""
    if not any(r.key == "other_processing" for r in spec.rows):
        return fits
    keep, found = [], {}
    for row in fits:
        if not any(w in norm(row.label) for w in OTHER_SUBROW_WORDS):
            keep.append(row)
            continue
        cands = candidates(row)
        best = max(((best_label(row, sub, cands)[0], sub) for sub in _SUBROWS), key=lambda x: x[0])
        rival = max(best_label(row, r, cands)[0] for r in (_AGGREGATE, *spec.rows))  # e.g. 2.其他法律行政法规禁止公开
        if len(own(row)) >= 2 and best[0] >= st.subrow_fit and best[0] > rival + st.subrow_margin:
            tmp = Placed()
            cells, unread = arrange_row(header, row.value_cells, best[1].columns)
            if place_row(tmp, "requests", best[1], cells, list(row.row.repairs), unread=unread):
                found[best[1].key] = tmp.values
            continue
        keep.append(row)
    if not found:
        return fits
    out.note(
        FindingKind.AGGREGATE,
        f"requests: the 2019 table prints the 2021 sub-rows of {_AGGREGATE.label} ({', '.join(found)}); other_processing is their "
        "sum only if all three are printed",
        "requests.other_processing",
    )
    if len(found) == len(_SUBROWS):
        for col in _AGGREGATE.columns:
            keys = tuple(f"requests.{k}.{col.key}" for k in found)
            for k in found:
                v = found[k].get(f"requests.{k}.{col.key}")
                if v is not None:
                    out.sums[f"requests.{k}.{col.key}"] = v
            out.sum_rules.append(Rule(f"rule3:printed {_AGGREGATE.label} sub-rows:{col.key}", keys, (f"requests.other_processing.{col.key}",)))
    return keep


def _starts_table(row: DataRow, spec: TableSpec, st: MatchSettings) -> bool:
    """A second 本年新收 row starts another table 三 (last year's, a subordinate body's …)."""
    return len(own(row)) >= 4 and fit(own(row), targets(spec.rows[0])) >= st.second_table_fit


def match_requests(rows: list[DataRow], spec: TableSpec, ctx: MatchContext) -> Placed:
    out = Placed()
    st, structured = ctx.settings, ctx.structured
    chosen = this_years(out, rows, spec, ctx, lambda r: _starts_table(r, spec, st))
    if chosen is None:
        return out
    rows = chosen
    header = table_header(rows, REQUEST_HEADER, st, structured)
    report(out, header, REQUEST_HEADER, "requests", st)
    if header.unreadable:
        for rspec in spec.rows:
            out.null_row("requests", rspec, RowStatus.AMBIGUOUS, None)
        return out
    width = len(spec.rows[0].columns)
    fits = [r for r in rows if width - 1 <= len(trim(r.value_cells, width)) <= width + 1]
    fits = _aggregate_other(out, fits, spec, st, header)
    fits = _split_other(out, fits, spec, st, header)
    kept = {id(r) for r in fits}
    out.spare = [r for r in rows if id(r) not in kept]
    diagonal = _diagonal(fits, spec.rows, st)
    pairs = diagonal if diagonal is not None else align(fits, spec.rows, st)
    if diagonal is None:  # misfits first: a row taken out leaves a gap that puts its unlabeled neighbours in doubt
        kept_pairs = []
        for di, tj, how in pairs:
            row, rspec = fits[di], spec.rows[tj]
            why = _misfit(row, rspec, spec, st)
            if why:
                out.null_row(
                    "requests",
                    rspec,
                    RowStatus.UNMATCHED,
                    f"the row printed as '{row.label}' sits at this row's place but {why}; left null",
                )
                continue
            kept_pairs.append((di, tj, how))
        pairs = kept_pairs
    pairs = _drop_uncertain_positions(out, pairs, fits, spec, len(fits))
    starts = usual_starts(fits, width)
    arrange = (lambda cs: header.arrange(cs)[0]) if header.departs else None
    shape = usual_lengths(fits) if structured else {}
    matched = set()
    for di, tj, how in pairs:
        row, rspec = fits[di], spec.rows[tj]
        if shape and len(row.row.cells) != shape.get(label_cols(row), len(row.row.cells)):
            unplaceable(out, "requests", rspec, row)  # a cell more or less than its table's rows: split or lost
            continue
        repairs = list(row.row.repairs) + ([how] if how else [])
        status = RowStatus.CLEAN
        if bare(row) < 2:  # no label of its own: position decided, unless its wrapped label is under it
            if _by_columns(row, rspec, st):
                if "join_label_fragments:columns" not in repairs:
                    repairs.append("join_label_fragments:columns")
            else:
                status = RowStatus.BY_POSITION
                repairs.append("placed_by_position")
        cells, chose = choose_window(row, width, True, starts, arrange)
        if cells is None or row.mixed:
            unplaceable(out, "requests", rspec, row)
            continue
        if chose:
            repairs.append(chose)
            if chose == "off_usual_columns" and status is RowStatus.CLEAN:
                status = RowStatus.OFF_COLUMNS
        if not structured and any(not c.text for c in cells):
            repairs.append("blank_cell_in_text_row")  # trusted only while the table adds up (pipeline)
            if status is RowStatus.CLEAN:
                status = RowStatus.BLANK_CELL
        cells, unread = arrange_row(header, cells, rspec.columns)
        if header.departs:
            repairs.append("placed_by_header")
        if place_row(out, "requests", rspec, cells, repairs, status=status, unread=unread):
            matched.add(tj)
            out.matched_rows += 1
    placed_lines = [fits[di].row.line for di, tj, _ in pairs if tj in matched]
    last = max(placed_lines, default=-1)
    # what may still hold 四's numbers (its heading lost at a page break): the rows after the table's last row
    out.spare = [r for r in rows if r.row.line > last]
    for tj, rspec in enumerate(spec.rows):
        if tj not in matched and f"requests.{rspec.key}.total" not in out.values:
            missing(out, "requests", rspec, "row not found in the document")
    return out


def _by_columns(row: DataRow, rspec: RowSpec, st: MatchSettings) -> bool:
    """Placed by its own label after all: fragments joined column by column under it (a narrow label column)
    that fit its row well."""
    joined = column_join(row)
    return joined is not None and fit(core(norm(joined)), targets(rspec)) >= st.diagonal_fit


def _misfit(row: DataRow, rspec: RowSpec, spec: TableSpec, st: MatchSettings) -> Optional[str]:
    """Why a labelled row should not take the place the alignment gave it (a foreign row such as 其中：网上申请,
    or rows printed in each other's places), or None when it fits."""
    if len(own(row)) < 4:
        return None
    cands = candidates(row)
    here = best_label(row, rspec, cands)[0]
    if here < st.min_label_fit:
        return f"its label does not fit (similarity {here:.2f})"
    other = max((best_label(row, s, cands)[0], s.key) for s in spec.rows if s is not rspec)
    if other[0] > here + st.better_fit_margin:
        return f"its label fits {other[1]} better ({other[0]:.2f} against {here:.2f})"
    return None


def _drop_uncertain_positions(
    out: Placed, pairs: list[tuple[int, int, Optional[str]]], fits: list[DataRow], spec: TableSpec, n_rows: int
) -> list[tuple[int, int, Optional[str]]]:
    """Where a template row is missing (or a data row is extra) next to rows placed only by position, which
    row was lost is not determined: every unlabeled row between the nearest labeled anchors is dropped."""
    positional = {tj: bare(fits[di]) < 2 for di, tj, _ in pairs}
    gaps = [tj for tj in range(len(spec.rows)) if tj not in positional]
    used = {di for di, _, _ in pairs}
    gaps += [tj for di, tj, _ in pairs if di + 1 < n_rows and di + 1 not in used]  # an extra row after di
    doubt: set[int] = set()
    for gap in gaps:
        for step in (-1, 1):
            k = gap + step if gap not in positional else gap
            while 0 <= k < len(spec.rows):
                if k in positional:
                    if not positional[k]:
                        break
                    doubt.add(k)
                k += step
    for tj in sorted(doubt):
        out.null_row(
            "requests",
            spec.rows[tj],
            RowStatus.AMBIGUOUS,
            "printed without a label next to a lost or extra row, so which row it is is not determined; left null",
        )
    return [p for p in pairs if p[1] not in doubt]
