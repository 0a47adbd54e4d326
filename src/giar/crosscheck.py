"""``giar check DATASET``: what researchers look for between reports of a dataset ``giar extract -o`` wrote.

For the same body (organization names as giar reads them, a name that another ends with taken as the same
body: :func:`giar.review.stats.same_bodies`), in consecutive years:

- ``carry_over``: this year's 上年结转 (requests.carried_over) against last year's 结转下年度 (carried_forward),
  every applicant column;
- ``previous_count`` (2019 template, both years): this year's 上一年项目数量 against last year's plus its 本年增/减;
- ``in_force`` (2021 template, both years): this year's 现行有效件数 of 规章 and 行政规范性文件 against last year's,
  plus this year's 制发, less this year's 废止;

and, for the same body and year:

- ``conflict``: two different documents (content hashes) with different numbers.

Nothing is changed: each disagreement is a :class:`Flag` with both sides and the records' sources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import pyarrow as pa

from .errors import GiarError
from .tables import cells
from .template import REQUEST_COLUMNS, TEMPLATES

CHECKS = ("carry_over", "previous_count", "in_force", "conflict")


@dataclass
class Flag:
    check: str  # carry_over, previous_count, in_force or conflict
    organization: str
    year: int
    other_year: int
    key: str  # the cell compared ('table.row.column'), or the first differing one for a conflict
    found: Optional[float]  # this year's printed value
    expected: Optional[float]  # what last year's report (or the other document) implies
    message: str
    sources: list[str] = field(default_factory=list)


def load(path: str | Path) -> pa.Table:
    """The wide table of a dataset: a Parquet dataset directory, a JSON Lines file, or a CSV output (its
    ``.csv.parts`` dataset, else its ``.wide.csv``)."""
    import pyarrow.parquet as pq

    from .output import csv_paths, parts_of, record_of
    from .tables import WIDE, to_tables

    p = Path(path)
    if p.is_dir() and (p / "wide").is_dir():
        return pq.read_table(p / "wide")
    if p.suffix.lower() == ".csv":
        if (parts_of(p) / "wide").is_dir():
            return pq.read_table(parts_of(p) / "wide")
        import pyarrow.csv as pcsv

        types = {f.name: (pa.string() if pa.types.is_list(f.type) else f.type) for f in WIDE}
        return pcsv.read_csv(csv_paths(p)["wide"], convert_options=pcsv.ConvertOptions(column_types=types))
    if p.is_file():
        with open(p, encoding="utf-8") as f:
            return to_tables(record_of(line) for line in f if line.strip())["wide"]
    raise GiarError(f"{path}: not a giar dataset (a .parquet directory, a .jsonl file or a .csv output)")


@dataclass
class _Rec:
    org: str
    year: int
    template: str
    source: str
    content_hash: Optional[str]
    values: dict[str, Any]


def _records(wide: pa.Table) -> list[_Rec]:
    from .review.stats import same_bodies

    keys = [k for k, _ in cells()]
    rows = wide.select(["source", "content_hash", "organization", "year", "template", "status", *keys]).to_pylist()
    rows = [r for r in rows if r["status"] != "failed" and r["organization"] and r["year"] and r["template"]]
    names = {r["organization"]: re.sub(r"\s+", "", r["organization"]) for r in rows}
    canon = same_bodies(names.values())
    return [
        _Rec(canon[names[r["organization"]]], int(r["year"]), str(r["template"]), r["source"], r["content_hash"],
             {k: r[k] for k in keys})
        for r in rows
    ]


def _cols(template: str, table: str, needs: Sequence[str]) -> list[str]:
    """Rows of a template's table that have all the columns ``needs`` (from the template, never spelled here)."""
    spec = TEMPLATES[template].tables[table]
    return [r.key for r in spec.rows if set(needs) <= {c.key for c in r.columns}]


def _pairs(recs: list[_Rec]) -> Iterator[tuple[_Rec, _Rec]]:
    """(last year, this year) for every body with reports of consecutive years (the first record of each)."""
    by_org: dict[str, dict[int, _Rec]] = {}
    for r in recs:
        by_org.setdefault(r.org, {}).setdefault(r.year, r)
    for years in by_org.values():
        for y in sorted(years):
            if y - 1 in years:
                yield years[y - 1], years[y]


def _flag(check: str, last: _Rec, this: _Rec, key: str, found: Any, expected: Any, why: str) -> Flag:
    return Flag(check, this.org, this.year, last.year, key, found, expected, why, [last.source, this.source])


def check(wide: pa.Table) -> list[Flag]:
    recs = _records(wide)
    out: list[Flag] = []
    for last, this in _pairs(recs):
        for c in REQUEST_COLUMNS:
            fwd, over = last.values[f"requests.carried_forward.{c.key}"], this.values[f"requests.carried_over.{c.key}"]
            if fwd is not None and over is not None and fwd != over:
                out.append(_flag("carry_over", last, this, f"requests.carried_over.{c.key}", over, fwd,
                                 f"{this.year} carries over {over}, {last.year} carried forward {fwd}"))
        if last.template == this.template == "2019":
            for row in _cols("2019", "active_disclosure", ("previous_count", "change")):
                base = f"active_disclosure.{row}"
                prev, change, now = last.values[f"{base}.previous_count"], last.values[f"{base}.change"], this.values[f"{base}.previous_count"]
                if None not in (prev, change, now) and now != prev + change:
                    out.append(_flag("previous_count", last, this, f"{base}.previous_count", now, prev + change,
                                     f"{this.year} prints {now} items last year; {last.year} printed {prev} {change:+d}"))
        if last.template == this.template == "2021":
            for row in _cols("2021", "active_disclosure", ("issued", "repealed", "in_force")):
                base = f"active_disclosure.{row}"
                prev, now = last.values[f"{base}.in_force"], this.values[f"{base}.in_force"]
                issued, repealed = this.values[f"{base}.issued"], this.values[f"{base}.repealed"]
                if None not in (prev, now, issued, repealed) and now != prev + issued - repealed:
                    out.append(_flag("in_force", last, this, f"{base}.in_force", now, prev + issued - repealed,
                                     f"{this.year} prints {now} in force; {last.year}'s {prev} + {issued} issued - {repealed} repealed = {prev + issued - repealed}"))
    out += _conflicts(recs)
    return out


def _conflicts(recs: list[_Rec]) -> list[Flag]:
    by_key: dict[tuple[str, int], list[_Rec]] = {}
    for r in recs:
        by_key.setdefault((r.org, r.year), []).append(r)
    out = []
    for group in by_key.values():
        first = group[0]
        for other in group[1:]:
            if other.content_hash == first.content_hash:
                continue
            differ = [k for k, v in first.values.items() if v is not None and other.values[k] is not None and v != other.values[k]]
            if differ:
                k = differ[0]
                out.append(Flag("conflict", first.org, first.year, other.year, k, other.values[k], first.values[k],
                                f"two documents for {first.year} differ in {len(differ)} cells ({', '.join(differ[:3])}"
                                f"{', …' if len(differ) > 3 else ''})", [first.source, other.source]))
    return out


def write(flags: Iterable[Flag], path: str) -> None:
    """JSON Lines (``.jsonl``) or CSV (UTF-8 with BOM) of the flags."""
    rows = [asdict(f) for f in flags]
    if path.endswith(".jsonl"):
        Path(path).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        return
    from .tables import write_csv

    for r in rows:
        r["sources"] = "; ".join(r["sources"])
    schema = pa.schema([(n, pa.float64() if n in ("found", "expected") else pa.int64() if n.endswith("year") else pa.string())
                        for n in Flag.__dataclass_fields__])
    write_csv([pa.Table.from_pylist(rows, schema=schema)], path, schema)
