"""Reports as Arrow tables, for pandas, Parquet, CSV and Ray pipelines that need not go through files.

- ``tidy``: one row per template cell of every report (null cells included, ``method`` null), with the
  template's Chinese row and column labels; counts in ``count`` (nullable int64), 万元 amounts in ``amount``
  (float64), every value also in ``value`` (float64) beside the ``text`` printed;
- ``wide``: one row per record (a report, or a document that failed: ``status`` = failed with its error), one
  column per template cell (``requests.new_received.total`` …, the union of both templates);
- ``findings``: one row per finding.

The schemas are fixed (every part file of a dataset has the same columns), and :func:`pandas_dtypes` gives
the dtypes to read the CSV exports back with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Optional

import pyarrow as pa

from .model import Number, Report
from .status import report_status
from .template import TABLES, TEMPLATES

if TYPE_CHECKING:
    from .batch import Failure

NAMES = ("tidy", "wide", "findings")

# who a row is about: the same leading columns in every table
_WHO = [
    ("source", pa.string()),
    ("content_hash", pa.string()),
    ("part", pa.int64()),
    ("organization", pa.string()),
    ("year", pa.int64()),
    ("template", pa.string()),
    ("status", pa.string()),
]

TIDY = pa.schema(
    _WHO
    + [
        ("table", pa.string()),
        ("row", pa.string()),
        ("column", pa.string()),
        ("row_group", pa.string()),
        ("row_label", pa.string()),
        ("column_label", pa.string()),
        ("kind", pa.string()),  # count, signed (本年增/减) or amount (万元)
        ("count", pa.int64()),
        ("amount", pa.float64()),
        ("value", pa.float64()),
        ("text", pa.string()),
        ("method", pa.string()),
        ("page", pa.int64()),
    ]
)

FINDINGS = pa.schema(
    _WHO
    + [
        ("kind", pa.string()),
        ("key", pa.string()),
        ("table", pa.string()),
        ("row", pa.string()),
        ("column", pa.string()),
        ("rule", pa.string()),
        ("stage", pa.string()),
        ("message", pa.string()),
    ]
)


@cache
def cells() -> tuple[tuple[str, str], ...]:
    """Every template cell of either template, ('table.row.column', kind), the 2021 template's order first."""
    out: dict[str, str] = {}
    for name in ("2021", "2019"):
        for table in TEMPLATES[name].tables.values():
            for r in table.rows:
                for c in r.columns:
                    out.setdefault(f"{table.name}.{r.key}.{c.key}", c.kind)
    return tuple(out.items())


def _arrow_type(kind: str) -> pa.DataType:
    return pa.float64() if kind == "amount" else pa.int64()


WIDE = pa.schema(
    _WHO
    + [
        ("sources", pa.list_(pa.string())),
        ("error_type", pa.string()),
        ("error_message", pa.string()),
        ("title", pa.string()),
        ("publisher", pa.string()),
        ("published", pa.string()),
        ("format", pa.string()),
        ("findings", pa.int64()),
        ("rules_broken", pa.int64()),
        ("giar_version", pa.string()),
        ("schema_version", pa.string()),
        ("config", pa.string()),
    ]
    + [(key, _arrow_type(kind)) for key, kind in cells()]
)

def _pandas_type(t: pa.DataType) -> str:
    if pa.types.is_integer(t):
        return "Int64"
    return "float64" if pa.types.is_floating(t) else "string"


def _with_pandas_metadata(schema: pa.Schema) -> pa.Schema:
    """The metadata pandas writes into Parquet, so ``pd.read_parquet`` gives integer columns as nullable
    ``Int64`` (not float64 with NaN) without pandas being needed to write them."""
    columns = [
        {"name": f.name, "field_name": f.name, "pandas_type": "object", "numpy_type": _pandas_type(f.type), "metadata": None}
        for f in schema
        if pa.types.is_integer(f.type)
    ]
    meta = {"index_columns": [], "column_indexes": [], "columns": columns, "creator": {"library": "giar"}}
    return schema.with_metadata({b"pandas": json.dumps(meta).encode()})


SCHEMAS = {name: _with_pandas_metadata(s) for name, s in (("tidy", TIDY), ("wide", WIDE), ("findings", FINDINGS))}


def pandas_dtypes(name: str) -> dict[str, str]:
    """The pandas dtypes of a table's columns, to read a CSV export back as written:
    ``pd.read_csv(path, dtype=pandas_dtypes("tidy"))``: integers as nullable ``Int64``, amounts and values as
    ``float64``, text (labels, printed cells, the template's name) as ``string``."""
    return {f.name: _pandas_type(f.type) for f in SCHEMAS[name]}


@dataclass(frozen=True)
class _Cell:
    key: str
    table: str
    row: str
    column: str
    group: str
    row_label: str
    column_label: str
    kind: str


@cache
def _template_cells(template: str) -> tuple[_Cell, ...]:
    return tuple(
        _Cell(f"{name}.{r.key}.{c.key}", name, r.key, c.key, r.group, r.label, c.label, c.kind)
        for name in TABLES
        for r in TEMPLATES[template].tables[name].rows
        for c in r.columns
    )


@cache
def _static_columns(template: str) -> dict[str, list[str]]:
    cs = _template_cells(template)
    return {
        "table": [c.table for c in cs],
        "row": [c.row for c in cs],
        "column": [c.column for c in cs],
        "row_group": [c.group for c in cs],
        "row_label": [c.row_label for c in cs],
        "column_label": [c.column_label for c in cs],
        "kind": [c.kind for c in cs],
    }


def _count(v: Optional[Number]) -> Optional[int]:
    """A count cell as an integer (a count printed with a fraction stays in ``value`` only)."""
    if v is None or isinstance(v, int):
        return v
    return int(v) if v.is_integer() else None


class Builder:
    """Rows of the three tables, appended record by record; :meth:`tables` makes the Arrow tables."""

    def __init__(self) -> None:
        self.cols: dict[str, dict[str, list[Any]]] = {n: {f.name: [] for f in SCHEMAS[n]} for n in NAMES}
        self.records = 0

    def add(self, record: Report | Failure) -> None:
        self.records += 1
        if isinstance(record, Report):
            self._report(record)
        else:
            self._failure(record)

    def _who(self, table: str, n: int, who: dict[str, Any]) -> None:
        cols = self.cols[table]
        for name, value in who.items():
            cols[name].extend([value] * n)

    def _report(self, r: Report) -> None:
        status = report_status(r)
        m = r.meta
        who = {
            "source": r.source,
            "content_hash": r.content_hash,
            "part": r.part,
            "organization": m.organization,
            "year": m.year,
            "template": m.template,
            "status": status,
        }
        # tidy: the template's columns are the same for every report of it, the values are not
        cells_ = _template_cells(m.template) if m.template else ()
        static = _static_columns(m.template) if m.template else {}
        t = self.cols["tidy"]
        self._who("tidy", len(cells_), who)
        for name, col in static.items():
            t[name].extend(col)
        tables = {name: getattr(r, name) for name in TABLES}
        vals = [(tables[c.table].get(c.row) or {}).get(c.column) for c in cells_]
        values = {c.key: v for c, v in zip(cells_, vals)}
        provs = [r.provenance.get(c.key) for c in cells_]
        amount = [c.kind == "amount" for c in cells_]
        t["count"].extend([None if a else (v if v is None or isinstance(v, int) else _count(v)) for a, v in zip(amount, vals)])
        t["amount"].extend([float(v) if a and v is not None else None for a, v in zip(amount, vals)])
        t["value"].extend([None if v is None else float(v) for v in vals])
        t["text"].extend([p.text if p else None for p in provs])
        t["method"].extend([p.method if p else None for p in provs])
        t["page"].extend([p.page if p else None for p in provs])
        # findings
        f = self.cols["findings"]
        self._who("findings", len(r.findings), who)
        for x in r.findings:
            f["kind"].append(str(x.kind))
            f["key"].append(x.key)
            f["table"].append(x.table)
            f["row"].append(x.row)
            f["column"].append(x.column)
            f["rule"].append(x.rule)
            f["stage"].append(x.stage)
            f["message"].append(x.message)
        # wide
        self._wide(
            who,
            r.sources or [r.source],
            {
                "title": m.title,
                "publisher": m.publisher,
                "published": m.published,
                "format": r.format,
                "findings": len(r.findings),
                "rules_broken": sum(t.rules_broken for t in r.tables),
            },
            r.run,
            values,
        )

    def _failure(self, x: Failure) -> None:
        who = dict.fromkeys(("organization", "year", "template", "part"))
        who.update(source=x.source, content_hash=x.content_hash, status="failed")
        self._wide(who, x.sources or [x.source], {"error_type": x.error_type, "error_message": x.message}, x.run, {})

    def _wide(self, who: dict[str, Any], sources: list[str], extra: dict[str, Any], run: Any, values: dict[str, Any]) -> None:
        w = self.cols["wide"]
        row: dict[str, Any] = {**who, "sources": sources, **extra}
        if run is not None:
            row.update(giar_version=run.giar_version, schema_version=run.schema_version, config=json.dumps(run.config, sort_keys=True))
        for key, kind in cells():
            v = values.get(key)
            row[key] = v if kind == "amount" or v is None else _count(v)
        for name, col in w.items():
            col.append(row.get(name))

    def merge(self, cols: dict[str, dict[str, list[Any]]], records: int) -> None:
        """Rows another builder gathered (a worker's, sent as plain lists: cheaper to pickle than Arrow tables
        with a schema of 250 columns each)."""
        for name, table in cols.items():
            mine = self.cols[name]
            for col, values in table.items():
                mine[col].extend(values)
        self.records += records

    def tables(self) -> dict[str, pa.Table]:
        return {n: pa.Table.from_pydict(self.cols[n], schema=SCHEMAS[n]) for n in NAMES}


def to_tables(records: Iterable[Report | Failure]) -> dict[str, pa.Table]:
    """The tidy, wide and findings tables of reports (and failures), in the order given: what a pipeline that
    calls :func:`giar.extract_many` needs instead of files."""
    b = Builder()
    for r in records:
        b.add(r)
    return b.tables()


def tidy_table(records: Iterable[Report | Failure]) -> pa.Table:
    return to_tables(records)["tidy"]


def wide_table(records: Iterable[Report | Failure]) -> pa.Table:
    return to_tables(records)["wide"]


def findings_table(records: Iterable[Report | Failure]) -> pa.Table:
    return to_tables(records)["findings"]


# --- CSV -------------------------------------------------------------------------------------------------

BOM = "\ufeff".encode()


def _formula_safe(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Document text a spreadsheet would run as a formula (=…, @…, +/- not followed by a plain number) is
    kept as text with a leading apostrophe."""
    import pyarrow.compute as pc

    risky = pc.and_(
        pc.match_substring_regex(col, r"^[=+\-@\t\r]"), pc.invert(pc.match_substring_regex(col, r"^[+\-]?[\d.,]+%?$"))
    )
    return pc.if_else(pc.fill_null(risky, False), pc.binary_join_element_wise("'", col, ""), col)


def csv_ready(table: pa.Table) -> pa.Table:
    """A table as written to CSV: list columns joined with '; ', text columns formula-safe."""
    import pyarrow.compute as pc

    cols = []
    for field, col in zip(table.schema, table.columns):
        if pa.types.is_list(field.type):
            col = pc.binary_join(col, "; ")
        if pa.types.is_string(col.type):
            col = _formula_safe(col)
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def write_csv(batches: Iterable[pa.Table], path: str, schema: pa.Schema) -> None:
    """UTF-8 with a BOM (Excel and WPS then read the Chinese labels right), header once, batch by batch."""
    import pyarrow.csv as pcsv

    with open(path, "wb") as f:
        f.write(BOM)
        writer: Optional[pcsv.CSVWriter] = None
        for t in batches:
            t = csv_ready(t)
            if writer is None:
                writer = pcsv.CSVWriter(f, t.schema)
            writer.write_table(t)
        if writer is None:
            writer = pcsv.CSVWriter(f, csv_ready(schema.empty_table()).schema)
        writer.close()
