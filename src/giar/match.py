"""Stage 3b, match: place a grid's data rows on the template's rows and columns.

Rows come in template order, so the rows of section 三 are aligned to the template by a small dynamic
programme that rewards label similarity (rapidfuzz) and keeps template order; a row without a readable label
still lands by position. Section 二's short subtables are matched by label alone (reports reorder them), and
section 四's fifteen numbers by position.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Optional

from rapidfuzz import fuzz

from .grid import DataRow, parse_value, trim
from .model import Cell, Finding, Number
from .template import REQUESTS_2019, REQUESTS_2021, REVIEW_GROUPS, TEMPLATE_MARKERS, TEMPLATES, Rule, RowSpec, TableSpec

_NOISE = re.compile(r"[\s#*|()（）\[\]【】、.．,，:：;；\"“”'‘’·\-—_/]+")


def norm(label: str) -> str:
    return _NOISE.sub("", label)


@lru_cache(maxsize=None)
def targets(spec: RowSpec) -> tuple[str, ...]:
    """The row's own label and its aliases, normalised, without group words (those are compared apart)."""
    return tuple(b for b in dict.fromkeys(core(norm(t)) for t in (spec.label, *spec.aliases)) if b)


# Group words printed before row labels (三、本年度办理结果, （三）不予公开 …, 行政诉讼): shared by many rows, so they
# say nothing about which row a label is and would let a long shared prefix outscore the row's own words.
_GROUPS = sorted(
    {norm(r.group) for t in TEMPLATES.values() for tab in t.tables.values() for r in tab.rows if r.group},
    key=len,
    reverse=True,
)


@lru_cache(maxsize=1 << 14)
def core(a: str) -> str:
    """A normalised label without its group words (unless nothing else is left)."""
    rest = a
    for g in _GROUPS:
        rest = rest.replace(g, "")
    return rest or a


@lru_cache(maxsize=1 << 16)
def _pair(a: str, b: str, partial: bool = True) -> float:
    """Whole-label ratio, or a fragment's fit discounted by how much of the row label it covers.

    A label joined from fragments is scored as a whole only: otherwise a neighbour's fragment inside it
    would let a well-labelled row claim the neighbour's place. Cached on the strings: reports repeat the
    template's wording, so a batch mostly hits."""
    best = fuzz.ratio(a, b) / 100
    cover = min(1.0, len(a) / len(b))
    if partial and cover > best:
        best = max(best, fuzz.partial_ratio(a, b) / 100 * cover)
    return best


def _sim(a: str, tgts: tuple[str, ...]) -> float:
    return max((_pair(a, b) for b in tgts), default=0.0) if a else 0.0


def similarity(label: str, spec: RowSpec) -> float:
    """0..1: how well a printed label (possibly with its group words, possibly a fragment) fits a row."""
    return _sim(core(norm(label)), targets(spec))


@dataclass
class Placed:
    """Values placed on template keys for one table, with their provenance and what was noticed."""

    values: dict[str, Optional[Number]] = field(default_factory=dict)
    provenance: dict[str, dict] = field(default_factory=dict)  # Provenance fields, validated with the Report
    findings: list[Finding] = field(default_factory=list)
    matched_rows: int = 0
    repairs: list[str] = field(default_factory=list)
    spare: list[DataRow] = field(default_factory=list)  # rows that belong to no row of this table
    # printed sums of several template rows (a 2021 table printing one （六）其他处理 row): extra equations
    sums: dict[str, Number] = field(default_factory=dict)
    sum_rules: list[Rule] = field(default_factory=list)

    def note(self, kind: str, message: str, key: Optional[str] = None) -> None:
        self.findings.append(Finding(kind=kind, message=message, key=key))

    def null_row(self, table: str, spec: RowSpec, kind: str, message: str) -> None:
        """Leave a whole row null and say why (precision before recall: no cell of a doubtful row is kept)."""
        key = f"{table}.{spec.key}"
        self.note(kind, f"{key}: {message}", key)
        for col in spec.columns:
            self.values[f"{key}.{col.key}"] = None
            self.provenance.pop(f"{key}.{col.key}", None)


Candidates = list[tuple[str, Optional[str]]]


def candidates(row: DataRow) -> Candidates:
    """The label as printed, and with the fragments around it joined (a narrow column's wrapped label),
    each normalised."""
    if "cands" not in row.memo:
        row.memo["cands"] = _candidates(row)
    return row.memo["cands"]


def own(row: DataRow) -> str:
    """The row's own label, normalised, without group words (computed once per row)."""
    if "own" not in row.memo:
        row.memo["own"] = core(norm(row.label))
    return row.memo["own"]


def bare(row: DataRow) -> int:
    """Length of the row's own normalised label, group words included: under 2 means no label at all."""
    if "bare" not in row.memo:
        row.memo["bare"] = len(norm(row.label))
    return row.memo["bare"]


def _candidates(row: DataRow) -> Candidates:
    before = "".join(c.text for r in row.before for c in r.cells)
    after = "".join(c.text for r in row.after for c in r.cells)
    label = row.label
    out: Candidates = [(own(row), None)]
    if after:
        out.append((core(norm(label + after)), "join_label_fragments:after"))
    if before:
        out.append((core(norm(before + label)), "join_label_fragments:before"))
    return [(t, how) for t, how in out if t]


def best_label(
    row: DataRow, spec: RowSpec, cands: Optional[Candidates] = None, tg: Optional[tuple[str, ...]] = None
) -> tuple[float, Optional[str]]:
    tg = targets(spec) if tg is None else tg
    best, best_how = 0.0, None
    for text, how in cands if cands is not None else candidates(row):
        for b in tg:
            v = _pair(text, b, how is None)
            if v > best:
                best, best_how = v, how
    return best, best_how


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


def _label_cols(row: DataRow) -> int:
    return len(row.row.cells) - len(row.value_cells)


def choose_window(
    row: DataRow, width: int, summed: bool, starts: dict[int, int]
) -> tuple[Optional[list[Cell]], Optional[str]]:
    """The row's value cells, or None when which column each number belongs to is not determined.

    Blank cells (padding, a blank 总计, trailing tabs) can leave several readings: keep those whose own sum can
    hold, then require the reading to start where the table's fully printed rows of the same shape start."""
    cells = row.value_cells
    if len(cells) < width:
        return cells, None  # too few cells: place_row reports it
    offs = windows(cells, width)
    if not offs:
        return cells, None  # more printed cells than columns: place_row reports it
    if summed and len(offs) > 1:
        offs = [o for o in offs if _fits_sum(cells[o : o + width])] or offs
    lc = _label_cols(row)
    start = starts.get(lc)
    if len(offs) == 1 and all(c.text for c in cells[offs[0] : offs[0] + width]):
        o = offs[0]  # every column printed, only blanks around: the numbers go in order
        if summed and o + width < len(cells) and not _fits_sum(cells[o : o + width]):
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
                lc = _label_cols(r)
                by = counts.setdefault(lc, {})
                by[lc + o] = by.get(lc + o, 0) + 1
    return {lc: max(by, key=lambda k: by[k]) for lc, by in counts.items()}


def _usual_lengths(rows: list[DataRow]) -> dict[int, int]:
    """In a structured table every row of one shape has the same number of cells: the common count per shape."""
    counts: dict[int, dict[int, int]] = {}
    for r in rows:
        by = counts.setdefault(_label_cols(r), {})
        by[len(r.row.cells)] = by.get(len(r.row.cells), 0) + 1
    return {lc: max(by, key=lambda k: by[k]) for lc, by in counts.items() if sum(by.values()) >= 3}


def _unplaceable(out: Placed, table: str, spec: RowSpec, row: DataRow) -> None:
    printed = " ".join(c.text or "∅" for c in row.value_cells)
    out.null_row(
        table,
        spec,
        "ambiguous",
        f"the printed cells ({printed}) do not line up with the table's columns (a cell blank or lost); which "
        "column each number belongs to is not determined, so the row is left null",
    )


def place_row(
    out: Placed, table: str, spec: RowSpec, cells: list[Cell], repairs: list[str], header_unit: Optional[str] = None
) -> bool:
    """Put a row's cells on its columns when their count fits; otherwise null the row with a finding."""
    width = len(spec.columns)
    vals = trim(cells, width)
    key_row = f"{table}.{spec.key}"
    if len(vals) != width:
        printed = " ".join(c.text or "∅" for c in vals)
        out.null_row(
            table,
            spec,
            "ambiguous",
            f"{len(vals)} cells printed for {width} columns ({printed}); which column each belongs to is not "
            "determined, so the row is left null",
        )
        return False
    blanks = []
    for col, cell in zip(spec.columns, vals):
        key = f"{key_row}.{col.key}"
        v = parse_value(cell.text)
        if v.kind in ("blank", "text"):
            out.values[key] = None
            blanks.append(col.key if v.kind == "blank" else f"{col.key} ('{cell.text}')")
            continue
        value = v.value
        if v.kind == "dash":
            out.note("dash", f"{key}: printed '{cell.text}', read as 0", key)
        if v.mark:
            out.note("footnote", f"{key}: printed '{cell.text}', the footnote mark '{v.mark}' is not part of the number", key)
        if col.kind == "amount" and (v.unit == "元" or v.unit is None and header_unit == "元"):
            value = round(float(value) / 10000, 8)  # type: ignore[arg-type]
            where = "" if v.unit else " (the column header says 元)"
            out.note("unit", f"{key}: printed '{cell.text}' in 元{where}, converted to {value} 万元", key)
        elif col.kind == "count" and value < 0:  # type: ignore[operator]
            out.null_row(table, spec, "ambiguous", f"a count printed negative ('{cell.text}'): a cell is probably lost")
            return False
        elif col.kind != "amount" and isinstance(value, float):
            if value != int(value):
                out.note("ambiguous", f"{key}: a count printed with a fraction ('{cell.text}')", key)
                out.values[key] = None
                continue
            value = int(value)
        out.values[key] = value
        out.provenance[key] = {"method": "rules", "span": cell.span, "text": cell.text, "repairs": repairs}
    if blanks:
        out.note("blank", f"{key_row}: printed blank: {', '.join(blanks)} (null unless the arithmetic fixes it)", key_row)
    return True


def _missing(out: Placed, table: str, spec: RowSpec, why: str) -> None:
    out.null_row(table, spec, "missing", why)


# --- section 三: alignment in template order -----------------------------------------------------------

_UNLABELED = 0.05
_SKIP_TEMPLATE = -0.15
_SKIP_DATA = -0.3
_MIN_SIM = 0.6


def _gain(row: DataRow, spec: RowSpec, cands: Candidates, bare_len: int, tg: tuple[str, ...]) -> tuple[float, Optional[str]]:
    if bare_len < 2 and not row.after and not row.before:
        return _UNLABELED, None
    sim, how = best_label(row, spec, cands, tg)
    if bare_len < 2 and sim < 0.6:
        return _UNLABELED, None  # only fragments around it, and they don't fit: position decides
    return sim - 0.5, how


_DIAGONAL_MIN = 0.75


def _diagonal(rows: list[DataRow], specs: tuple[RowSpec, ...]) -> Optional[list[tuple[int, int, Optional[str]]]]:
    """The common case, checked first because it is cheap: one row per template row, in order, every
    printed label fitting its place."""
    if len(rows) != len(specs):
        return None
    pairs = []
    for i, (row, spec) in enumerate(zip(rows, specs)):
        cands = candidates(row)
        if bare(row) < 2:
            pairs.append((i, i, None))
            continue
        sim, how = best_label(row, spec, cands)
        if sim < _DIAGONAL_MIN:
            return None
        neighbours = [specs[k] for k in (i - 1, i + 1) if 0 <= k < len(specs)]
        if len(own(row)) >= 4 and any(best_label(row, n, cands)[0] > sim + 0.05 for n in neighbours):
            return None  # two rows printed in each other's places: let the alignment and its checks decide
        pairs.append((i, i, how))
    return pairs


def align(rows: list[DataRow], specs: tuple[RowSpec, ...]) -> list[tuple[int, int, str | None]]:
    """Monotone alignment of data rows to template rows maximising label fit; returns (data, template, how)."""
    n, m = len(rows), len(specs)
    neg = float("-inf")
    dp = [[neg] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, str | None] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cands = [candidates(r) for r in rows]
    owns = [bare(r) for r in rows]
    tgs = [targets(s) for s in specs]
    gains = [[_gain(rows[i], specs[j], cands[i], owns[i], tgs[j]) for j in range(m)] for i in range(n)]
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
            if j < m and cur + _SKIP_TEMPLATE > dp[i][j + 1]:
                dp[i][j + 1], back[i][j + 1] = cur + _SKIP_TEMPLATE, (i, j, "skip")
            if i < n and cur + _SKIP_DATA > dp[i + 1][j]:
                dp[i + 1][j], back[i + 1][j] = cur + _SKIP_DATA, (i, j, "skip")
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


def _aggregate_other(out: Placed, fits: list[DataRow], spec: TableSpec) -> list[DataRow]:
    """A 2021 table that prints the old single （六）其他处理 row: its numbers are the sum of the three
    other_* rows, not any one of them, so they become an equation for the inference step."""
    parts = [r for r in spec.rows if r.key.startswith("other_") and r.key != "other_processing"]
    if not parts:
        return fits
    keep = []
    for row in fits:
        if "其他" not in norm(row.label):
            keep.append(row)
            continue
        # the old single row prints its group words and nothing after them; a 2021 sub-row under a repeated
        # rowspan label ("三、本年度办理结果 （六）其他处理 2.申请人…") has its own words left over
        rest = norm(row.label)
        for words in (_AGGREGATE.group, _AGGREGATE.label):
            rest = rest.replace(norm(words), "")
        agg = similarity(row.label, _AGGREGATE)
        if len(rest) <= 1 and agg >= 0.8:
            tmp = Placed()
            if place_row(tmp, "requests", _AGGREGATE, row.value_cells, list(row.row.repairs)):
                for col in _AGGREGATE.columns:
                    v = tmp.values.get(f"requests.other_processing.{col.key}")
                    if v is not None:
                        out.sums[f"requests.other_processing.{col.key}"] = v
                        out.sum_rules.append(
                            Rule(
                                f"printed （六）其他处理:{col.key}",
                                tuple(f"requests.{p.key}.{col.key}" for p in parts),
                                (f"requests.other_processing.{col.key}",),
                            )
                        )
                out.note(
                    "aggregate",
                    "requests: the table prints one （六）其他处理 row (the 2019 layout) instead of its three "
                    "2021 sub-rows; its numbers are kept as their sum, and the sub-rows are null unless the "
                    "arithmetic fixes them",
                    "requests.other_processing",
                )
            continue
        keep.append(row)
    return keep


_SUBROWS = tuple(r for r in REQUESTS_2021 if r.key.startswith("other_"))


def _split_other(out: Placed, fits: list[DataRow], spec: TableSpec) -> list[DataRow]:
    """A 2019 table that prints the 2021 sub-rows of （六）: they are parts of other_processing, not it; their
    numbers become an equation (other_processing = their sum) for the inference step."""
    if not any(r.key == "other_processing" for r in spec.rows):
        return fits
    keep, found = [], {}
    for row in fits:
        if not any(w in norm(row.label) for w in ("其他", "申请人", "逾期")):  # words every sub-row label has one of
            keep.append(row)
            continue
        cands = candidates(row)
        best = max(((best_label(row, sub, cands)[0], sub) for sub in _SUBROWS), key=lambda x: x[0])
        if len(own(row)) >= 2 and best[0] >= 0.8 and best[0] > best_label(row, _AGGREGATE, cands)[0] + 0.1:
            tmp = Placed()
            if place_row(tmp, "requests", best[1], row.value_cells, list(row.row.repairs)):
                found[best[1].key] = tmp.values
            continue
        keep.append(row)
    if not found:
        return fits
    out.note(
        "aggregate",
        f"requests: the 2019 table prints the 2021 sub-rows of （六） ({', '.join(found)}); other_processing is their "
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
            out.sum_rules.append(Rule(f"rule3:printed （六） sub-rows:{col.key}", keys, (f"requests.other_processing.{col.key}",)))
    return keep


def match_requests(rows: list[DataRow], spec: TableSpec, structured: bool = False) -> Placed:
    out = Placed()
    width = len(spec.rows[0].columns)
    fits = [r for r in rows if width - 1 <= len(trim(r.value_cells, width)) <= width + 1]
    fits = _aggregate_other(out, fits, spec)
    fits = _split_other(out, fits, spec)
    fits = _first_table(out, fits, spec)
    kept = {id(r) for r in fits}
    out.spare = [r for r in rows if id(r) not in kept]
    diagonal = _diagonal(fits, spec.rows)
    pairs = diagonal if diagonal is not None else align(fits, spec.rows)
    if diagonal is None:  # misfits first: a row taken out leaves a gap that puts its unlabeled neighbours in doubt
        kept_pairs = []
        for di, tj, how in pairs:
            row, rspec = fits[di], spec.rows[tj]
            why = _misfit(row, rspec, spec)
            if why:
                out.null_row(
                    "requests", rspec, "unmatched", f"the row printed as '{row.label}' sits at this row's place but {why}; left null"
                )
                continue
            kept_pairs.append((di, tj, how))
        pairs = kept_pairs
    pairs = _drop_uncertain_positions(out, pairs, fits, spec, len(fits))
    starts = usual_starts(fits, width)
    shape = _usual_lengths(fits) if structured else {}
    matched = set()
    for di, tj, how in pairs:
        row, rspec = fits[di], spec.rows[tj]
        if shape and len(row.row.cells) != shape.get(_label_cols(row), len(row.row.cells)):
            _unplaceable(out, "requests", rspec, row)  # a cell more or less than its table's rows: split or lost
            continue
        repairs = list(row.row.repairs) + ([how] if how else [])
        if bare(row) < 2:  # no label of its own: fragments nearby or position decided
            repairs.append("placed_by_position")
        cells, chose = choose_window(row, width, True, starts)
        if cells is None or row.mixed:
            _unplaceable(out, "requests", rspec, row)
            continue
        if chose:
            repairs.append(chose)
        if not structured and any(not c.text for c in cells):
            repairs.append("blank_cell_in_text_row")  # trusted only while the table adds up (pipeline)
        if place_row(out, "requests", rspec, cells, repairs):
            matched.add(tj)
            out.matched_rows += 1
    placed_lines = [fits[di].row.line for di, tj, _ in pairs if tj in matched]
    last = max(placed_lines, default=-1)
    # what may still hold 四's numbers (its heading lost at a page break): the rows after the table's last row
    out.spare = [r for r in rows if r.row.line > last]
    for tj, rspec in enumerate(spec.rows):
        if tj not in matched and f"requests.{rspec.key}.total" not in out.values:
            _missing(out, "requests", rspec, "row not found in the document")
    return out


def _first_table(out: Placed, fits: list[DataRow], spec: TableSpec) -> list[DataRow]:
    """A region holding a second table 三 (a subordinate body's, appended): read the first only, never splice."""
    first = spec.rows[0]
    heads = [i for i, r in enumerate(fits) if len(own(r)) >= 4 and _sim(own(r), targets(first)) >= 0.85]
    if len(heads) < 2:
        return fits
    out.note(
        "repaired",
        f"requests: a second table 三 starts at '{fits[heads[1]].label}'; only the first table is read",
        "requests",
    )
    return fits[: heads[1]]


def _misfit(row: DataRow, rspec: RowSpec, spec: TableSpec) -> Optional[str]:
    """Why a labelled row should not take the place the alignment gave it (a foreign row such as 其中：网上申请,
    or rows printed in each other's places), or None when it fits."""
    if len(own(row)) < 4:
        return None
    cands = candidates(row)
    fit = best_label(row, rspec, cands)[0]
    if fit < _MIN_SIM:
        return f"its label does not fit (similarity {fit:.2f})"
    other = max((best_label(row, s, cands)[0], s.key) for s in spec.rows if s is not rspec)
    if other[0] > fit + 0.1:
        return f"its label fits {other[1]} better ({other[0]:.2f} against {fit:.2f})"
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
            "ambiguous",
            "printed without a label next to a lost or extra row, so which row it is is not determined; left null",
        )
    return [p for p in pairs if p[1] not in doubt]


# --- section 二: by label ------------------------------------------------------------------------------

_ACTIVE_MIN = 0.75


def _headers(rows: list[DataRow]) -> list[str]:
    """For each row of 二, the header printed over its subtable (the label-only lines since the last caption)."""
    out, current = [], ""
    for row in rows:
        if row.before:
            current = "".join(c.text for r in row.before for c in r.cells)
        out.append(current)
    return out


def match_active(
    rows: list[DataRow], spec: TableSpec, structured: bool = False, template: Optional[str] = None
) -> Placed:
    """Rows of 二 by label. In text, a blank inside a short row cannot be told from a lost cell or a trailing
    tab, so such a row is left null (a structured table keeps its cells where they are). A subtable whose header
    names the other template's columns, or a row printed twice with different numbers, is left null too; an
    amount whose header says 元 is converted to 万元."""
    out = Placed()
    headers = _headers(rows)
    other = [w for name, words in TEMPLATE_MARKERS.items() if name != template for w in words]
    scored = []
    for i, row in enumerate(rows):
        for j, rspec in enumerate(spec.rows):
            sim, how = best_label(row, rspec)
            if sim >= _ACTIVE_MIN:
                scored.append((sim, i, j, how))
    scored.sort(key=lambda s: -s[0])
    used_rows, used_specs = set(), set()
    for sim, i, j, how in scored:
        if i in used_rows or j in used_specs:
            continue
        used_rows.add(i)
        used_specs.add(j)
        rspec, row = spec.rows[j], rows[i]
        twins = [rows[k] for s2, k, j2, _ in scored if j2 == j and k != i and s2 >= 0.9 and k not in used_rows]
        if any([c.text for c in t.value_cells if c.text] != [c.text for c in row.value_cells if c.text] for t in twins):
            out.null_row("active_disclosure", rspec, "ambiguous", "printed twice with different numbers; left null")
            continue
        head = re.sub(r"\s", "", headers[i])
        if template and any(w in head for w in other):
            out.null_row(
                "active_disclosure",
                rspec,
                "ambiguous",
                f"its subtable's header ({headers[i][:40]}) names the other template's columns; left null",
            )
            continue
        repairs = list(row.row.repairs) + ([how] if how else [])
        cells, chose = choose_window(row, len(rspec.columns), False, {})
        if cells is not None and (row.mixed or not structured and any(not c.text for c in cells)):
            cells = None
        if cells is None:
            _unplaceable(out, "active_disclosure", rspec, row)
            continue
        if chose:
            repairs.append(chose)
        unit = "元" if "元" in head and "万元" not in head else None
        if place_row(out, "active_disclosure", rspec, cells, repairs, unit):
            out.matched_rows += 1
    for j, rspec in enumerate(spec.rows):
        if j not in used_specs:
            _missing(out, "active_disclosure", rspec, f"row '{rspec.label}' not found in the document")
    return out


# --- section 四: fifteen numbers in order --------------------------------------------------------------


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


def _review_by_label(rows: list[DataRow]) -> Optional[list[Cell]]:
    """Three labelled rows of five (行政复议 / 未经复议直接起诉 / 复议后起诉), in whatever order: by label."""
    five = [r for r in rows if len([c for c in r.value_cells if c.text]) == 5 and len(own(r)) >= 2]
    if len(five) != 3:
        return None
    order: dict[int, list[Cell]] = {}
    for r in five:
        (best, k), (second, _) = _group_scores(r)[:2]
        if best < 0.8 or best - second < 0.15 or k in order:
            return None
        order[k] = [c for c in r.value_cells if c.text]
    return [c for k in range(3) for c in order[k]]


def _review_layout_doubt(rows: list[DataRow]) -> Optional[str]:
    """Why 四 cannot be read by position: its rows are labelled with column names (a transposed table) or
    with group names out of the template's order."""
    columns = [c.label for c in REVIEW_GROUPS[0].columns]
    groups = []
    for r in rows:
        lab = own(r)
        if len(lab) < 2:
            continue
        if any(_pair(lab, norm(c)) >= 0.8 for c in columns):
            return f"a row is labelled '{r.label}', a column name: the table is printed transposed"
        best, k = _group_scores(r)[0]
        if best >= 0.8:
            groups.append(k)
        elif _pair(lab, norm(REVIEW_GROUPS[1].group)) >= 0.8:
            groups.append(1)  # 行政诉讼 printed over both litigation groups
    if groups != sorted(groups):
        return "its rows are labelled with the groups out of the template's order"
    return None


def match_review(rows: list[DataRow]) -> Placed:
    out = Placed()
    n = 5 * len(REVIEW_GROUPS)
    doubt = _review_layout_doubt(rows)
    if doubt:
        for g in REVIEW_GROUPS:
            out.null_row("review_litigation", g, "ambiguous", f"not read by position: {doubt}")
        return out
    labelled = _review_by_label(rows)
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
                out.note("ambiguous", f"review_litigation: {len(run)} numbers printed for {n}; {note}", "review_litigation")
            else:
                repairs.append(note)
                out.note(
                    "repaired",
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
                out.note("ambiguous", f"review_litigation: {len(run)} numbers printed for {n}", "review_litigation")
            break
    if cells is None:
        for g in REVIEW_GROUPS:
            _missing(out, "review_litigation", g, "its 15 numbers were not found")
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
        (vals, drops), = fits.items()
        i = drops[0]
        return run[:i] + run[i + 1 :], f"drop_stray_cell:{i + 1}"
    return None, f"{len(fits)} readings without a repeated cell add up, so none is chosen"


