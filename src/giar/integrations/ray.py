"""giar on Ray Data, for corpora one machine is not enough for (``pip install giar[ray]``).

In a pipeline of your own::

    import ray
    from giar.integrations.ray import tidy_batch

    ds = ray.data.read_binary_files(paths, include_paths=True)   # local paths, s3://…, gs://…, hdfs://…
    ds.map_batches(tidy_batch, batch_size=16).write_parquet("out/tidy")

:func:`tidy_batch`, :func:`wide_batch` and :func:`findings_batch` take a batch of ``read_binary_files``
(columns ``bytes`` and ``path``) and return the rows of :mod:`giar.tables`' tables as a ``pyarrow.Table``: the
same rows, types and order as ``giar extract -o out.parquet`` writes for the same files.
``giar extract FILES -o out.parquet --engine ray [--ray-address ADDRESS]`` runs the whole thing: documents are
read once (:func:`records_batch`: one JSON record per report or failure), then written as the dataset's
``tidy/``, ``wide/`` and ``findings/`` directories, with ``_giar.json`` beside them.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

import pyarrow as pa

from ..batch import Failure, Job, Result, _one
from ..model import RunInfo
from ..tables import SCHEMAS, to_tables


def _rows(batch: Any) -> list[tuple[str, bytes]]:
    """(path, bytes) of a batch given as a dict of arrays (Ray's default) or as a pyarrow Table."""
    if isinstance(batch, pa.Table):
        return list(zip(batch.column("path").to_pylist(), batch.column("bytes").to_pylist()))
    return [(str(p), bytes(b)) for p, b in zip(batch["path"], batch["bytes"])]


def extract_batch(
    batch: Any, run: Optional[RunInfo] = None, sources: Optional[Mapping[str, Sequence[str]]] = None, **options: Any
) -> list[Result]:
    """Every record of a batch of files (a compilation gives one per body, a file that fails a Failure)."""
    out: list[Result] = []
    for path, data in _rows(batch):
        import hashlib

        job = Job(data, tuple((sources or {}).get(path, (path,))), hashlib.sha256(data).hexdigest())
        for r in _one(job, {"name": path, **options}, True):
            if isinstance(r, Failure):
                r.source = path
            r.run = run
            out.append(r)
    return out


def tidy_batch(batch: Any, **kwargs: Any) -> pa.Table:
    return to_tables(extract_batch(batch, **kwargs))["tidy"]


def wide_batch(batch: Any, **kwargs: Any) -> pa.Table:
    return to_tables(extract_batch(batch, **kwargs))["wide"]


def findings_batch(batch: Any, **kwargs: Any) -> pa.Table:
    return to_tables(extract_batch(batch, **kwargs))["findings"]


def records_batch(batch: Any, **kwargs: Any) -> pa.Table:
    """One row per record: ``record`` (its JSON), to be turned into tables once (:func:`table_of_records`)."""
    return pa.table({"record": [r.model_dump_json() for r in extract_batch(batch, **kwargs)]})


def table_of_records(batch: Any, name: str) -> pa.Table:
    from ..output import record_of

    lines = batch.column("record").to_pylist() if isinstance(batch, pa.Table) else list(batch["record"])
    return to_tables(record_of(line) for line in lines)[name]


def _init(address: Optional[str], quiet: bool) -> Any:
    import ray

    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True  # the dataset's rows in input order, as the local engine
    ctx.enable_progress_bars = not quiet
    return ray


def extract_to_parquet(
    files: Sequence[str],
    output: str,
    config: dict[str, Any],
    address: Optional[str] = None,
    quiet: bool = False,
    batch_size: int = 16,
) -> int:
    """``giar extract --engine ray``: the Parquet dataset of ``files`` (local paths or object-storage URLs),
    written by Ray Data. Identical local files are read once (the record lists every path)."""
    from ..cli import jobs_of, summary
    from ..output import PartsSink, locked, run_info

    t0 = time.monotonic()
    run = run_info(config)
    local = [os.path.abspath(f) for f in files if "://" not in f]
    remote = [f for f in files if "://" in f]
    jobs = jobs_of(local)
    sources = {str(j.source): list(j.sources) for j in jobs if len(j.sources) > 1}
    paths = [str(j.source) for j in jobs] + remote
    root = Path(output)
    with locked(output):
        PartsSink(run, root, resume=False).close()  # an empty dataset with _giar.json: the same layout as local
        ray = _init(address, quiet)
        ds = ray.data.read_binary_files(paths, include_paths=True)
        options: dict[str, Any] = {"run": run, "sources": sources}
        if config.get("llm"):
            from ..repair import LLMConfig

            options["llm"] = LLMConfig.from_env()
        records = ds.map_batches(records_batch, batch_size=batch_size, fn_kwargs=options, batch_format="pyarrow")
        records = records.materialize()
        meta = {b"giar": run.model_dump_json().encode()}
        for name in ("tidy", "findings", "wide"):
            schema = SCHEMAS[name].with_metadata({**(SCHEMAS[name].metadata or {}), **meta})
            table = records.map_batches(table_of_records, fn_kwargs={"name": name}, batch_format="pyarrow")
            table.write_parquet(str(root / name), schema=schema)
    import pyarrow.parquet as pq

    wide = pq.read_table(root / "wide", columns=["status", "source", "error_type", "error_message"])
    counts = Counter(wide.column("status").to_pylist())
    for row in wide.filter(pa.compute.equal(wide.column("status"), "failed")).to_pylist():
        print(f"giar: {row['source']}: {row['error_type']}: {row['error_message']}", file=sys.stderr)
    if not quiet:
        print(summary(counts, 0, len(local) - len(jobs), time.monotonic() - t0, len(paths)), file=sys.stderr)
    return 1 if counts["failed"] else 0


__all__ = ["extract_batch", "findings_batch", "records_batch", "table_of_records", "tidy_batch", "wide_batch"]
