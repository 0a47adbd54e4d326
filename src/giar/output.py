"""Batch outputs (``giar extract -o``): JSON Lines, a Parquet dataset, CSV; what ``--resume`` finds in them; one
writer per output; progress on standard error.

Nothing lost, nothing twice:

- every record (a report, or a document that failed) carries its :class:`~giar.model.RunInfo`: giar's version,
  the schema version and the configuration (LLM on or off, model, corrections), digested into ``run.key``;
- ``--resume`` keys on each input's content hash together with that key: a file renamed or moved is not
  redone, an upgrade or another configuration is (records of another key are dropped from the output, then
  their documents are redone);
- JSON Lines are appended one document at a time, flushed; a run killed mid-line leaves a torn last line,
  which resume cuts off together with the rest of that document's records (a compilation's earlier parts),
  so the document is redone whole;
- Parquet is a dataset directory (``tidy/``, ``wide/``, ``findings/``): part files written under a temporary
  name and renamed into place when complete, ``wide`` last: a part counts once its ``wide`` file is there, and
  resume deletes the pieces of a part that was not finished;
- CSV is written from such a dataset (``NAME.csv.parts/``) when the run ends, under a temporary name and
  renamed into place: ``NAME.csv`` (tidy), ``NAME.wide.csv``, ``NAME.findings.csv``, UTF-8 with a BOM.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Optional

from .batch import Failure, Result
from .errors import GiarError, OutputLocked
from .model import Report, RunInfo
from .status import report_status

FORMATS = ("jsonl", "parquet", "csv")
SCHEMA_VERSION = "1"


def giar_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("giar")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without installing
        return "unknown"


def run_info(config: dict[str, Any]) -> RunInfo:
    """The run's version and configuration, and the key resume compares."""
    version = giar_version()
    blob = json.dumps({"giar": version, "schema": SCHEMA_VERSION, "config": config}, sort_keys=True)
    return RunInfo(
        giar_version=version, schema_version=SCHEMA_VERSION, config=config, key=hashlib.sha256(blob.encode()).hexdigest()[:16]
    )


def format_of(path: Optional[str], given: Optional[str]) -> str:
    """``--format``, else the output's extension (.parquet, .csv; anything else is JSON Lines)."""
    if given:
        return given
    suffix = Path(path).suffix.lower() if path else ""
    return {".parquet": "parquet", ".csv": "csv"}.get(suffix, "jsonl")


# --- what a worker hands the writer ------------------------------------------------------------------------


@dataclass
class Encoded:
    """One input's records, encoded for the output in the worker that read it (the writer only writes)."""

    statuses: list[str]  # per record: clean, repaired, inconsistent, partial or failed
    errors: list[str]  # "source: Type: message" per failure
    notes: list[str]  # corrections reported, not applied
    payload: Any  # bytes (JSON Lines) or {table name: Arrow table}


@dataclass
class Encoder:
    """Runs in the worker on one input's results: the run's key, corrections, statuses, and the output's form."""

    fmt: str
    run: RunInfo
    corrections: Any = None  # giar.corrections.Corrections

    def __call__(self, results: list[Result]) -> Encoded:
        statuses, errors, notes = [], [], []
        done: list[Result] = []
        for r in results:
            r.run = self.run
            if isinstance(r, Failure):
                statuses.append("failed")
                errors.append(f"{r.source}: {r.error}")
            else:
                if self.corrections is not None:
                    from .corrections import apply

                    r, told = apply(r, self.corrections)
                    notes += [f"{r.source}: correction {n}" for n in told]
                statuses.append(report_status(r))
            done.append(r)
        payload: Any
        if self.fmt == "jsonl":
            payload = b"".join(r.model_dump_json().encode() + b"\n" for r in done)
        else:
            from .tables import Builder

            b = Builder()
            for r in done:
                b.add(r)
            payload = b.cols  # plain lists: the writer gathers a part's rows and makes its tables once
        return Encoded(statuses, errors, notes, payload)


def record_of(line: str) -> Result:
    """One line of a JSON Lines output: a Report, or a Failure (``"record": "error"``)."""
    data = json.loads(line)
    if isinstance(data, dict) and data.get("record") == "error":
        return Failure.model_validate(data)
    return Report.model_validate(data)


# --- one writer per output ---------------------------------------------------------------------------------


@contextlib.contextmanager
def locked(output: str) -> Iterator[None]:
    """An OS lock on ``OUTPUT.lock`` for the whole run: a second run on the same output (or a resume while one
    writes it) is refused. The kernel releases it when the process dies, however it dies."""
    path = Path(str(output).rstrip("/") + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise OutputLocked(
                f"{output} is being written by another giar run (process {holder}, lock {path}); wait for it to "
                "finish or choose another -o"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


# --- sinks -------------------------------------------------------------------------------------------------


@dataclass
class Sink:
    run: RunInfo
    done: set[str] = field(default_factory=set)  # content hashes already in the output under this run's key
    notes: list[str] = field(default_factory=list)  # what resume found and did

    def add(self, enc: Encoded) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass


class StreamSink(Sink):
    """JSON Lines to a stream (standard output)."""

    def __init__(self, run: RunInfo, stream: IO[str]) -> None:
        super().__init__(run)
        self.stream = stream

    def add(self, enc: Encoded) -> None:
        self.stream.write(enc.payload.decode())
        self.stream.flush()


def _parse(line: bytes) -> Optional[tuple[Optional[str], Optional[str], bool]]:
    """(content hash, run key, part of a compilation?) of one output line, or None if it is not a record."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return data.get("content_hash"), (data.get("run") or {}).get("key"), data.get("part") is not None


class JsonlSink(Sink):
    def __init__(self, run: RunInfo, path: Path, resume: bool) -> None:
        super().__init__(run)
        self.path = path
        if resume and path.exists():
            self._resume()
            self.file = open(path, "ab")
        else:
            self.file = open(path, "wb")

    def _resume(self) -> None:
        lines: list[tuple[bytes, Optional[str], bool]] = []  # (line, content hash, keep)
        torn, last_part = False, False
        with open(self.path, "rb") as f:
            for line in f:
                parsed = _parse(line) if line.endswith(b"\n") else None
                if parsed is None:
                    torn = True  # a line cut by a kill (only the last can be) or not a record
                    lines.append((line, None, False))
                    continue
                h, key, last_part = parsed
                lines.append((line, h, key == self.run.key and h is not None))
        stale = sum(1 for _, h, keep in lines if h is not None and not keep)
        if torn:
            self.notes.append(f"{self.path}: an unfinished record at the end (a run stopped mid-write) is redone")
            if last_part:
                # the records before the torn line are the first bodies of a compilation: redo it whole
                last = next((h for _, h, keep in reversed(lines) if keep), None)
                lines = [(line, h, keep and h != last) for line, h, keep in lines]
        if stale:
            self.notes.append(
                f"{self.path}: {stale} records made by another giar version or configuration are redone (replaced)"
            )
        if torn or stale:
            tmp = self.path.with_name(self.path.name + ".tmp")
            with open(tmp, "wb") as out:
                out.writelines(line for line, _, keep in lines if keep)
            os.replace(tmp, self.path)
        self.done = {h for _, h, keep in lines if keep and h}

    def add(self, enc: Encoded) -> None:
        self.file.write(enc.payload)  # one document's records in one write
        self.file.flush()

    def close(self) -> None:
        self.file.close()


PART_REPORTS = 500  # reports per Parquet part file …
PART_SECONDS = 60.0  # … or fewer, if this long has passed since the last part
ARROW_BATCH = 50  # reports gathered as Python lists before they become Arrow tables


class PartsSink(Sink):
    """A Parquet dataset directory: ``tidy/``, ``wide/``, ``findings/`` of part files and ``_giar.json``."""

    MARKER = "_giar.json"

    def __init__(self, run: RunInfo, root: Path, resume: bool, part_reports: int = PART_REPORTS) -> None:
        from .tables import NAMES, Builder

        super().__init__(run)
        self.root, self.names = root, NAMES
        self.part_reports = part_reports
        self.buffer = Builder()  # rows of the last few reports, as Python lists
        self.arrow: dict[str, list[Any]] = {}  # the part's rows so far, as Arrow tables
        self.records = 0
        self.last = time.monotonic()
        self.seq = 0
        self.token = f"{time.time_ns():020d}"  # parts of a later run sort after an earlier run's
        if root.exists():
            if not root.is_dir() or (not (root / self.MARKER).exists() and any(root.iterdir())):
                raise GiarError(f"{root} exists and is not a giar dataset: choose another -o")
            if resume:
                self._resume()
            else:
                self._clear()
        for name in self.names:
            (root / name).mkdir(parents=True, exist_ok=True)
        tmp = root / (self.MARKER + ".tmp")
        tmp.write_text(run.model_dump_json(indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, root / self.MARKER)

    def _clear(self) -> None:
        for name in self.names:
            shutil.rmtree(self.root / name, ignore_errors=True)

    def _resume(self) -> None:
        import pyarrow.parquet as pq

        for tmp in self.root.rglob("*.tmp"):
            tmp.unlink()
        wide = {p.name: p for p in (self.root / "wide").glob("*.parquet")}
        stale = 0
        for name, path in sorted(wide.items()):
            meta = pq.read_schema(path).metadata or {}
            run = json.loads(meta.get(b"giar", b"{}"))
            if run.get("key") != self.run.key:
                stale += pq.read_metadata(path).num_rows
                for table in self.names:
                    (self.root / table / name).unlink(missing_ok=True)
                continue
            self.done.update(h for h in pq.read_table(path, columns=["content_hash"]).column(0).to_pylist() if h)
        unfinished = 0
        for table in self.names:
            for path in (self.root / table).glob("*.parquet"):
                if path.name not in wide:
                    path.unlink()  # a part whose wide file was never renamed into place: redone
                    unfinished += 1
        if unfinished:
            self.notes.append(f"{self.root}: an unfinished part (a run stopped mid-write) is redone")
        if stale:
            self.notes.append(f"{self.root}: {stale} records made by another giar version or configuration are redone (replaced)")

    def add(self, enc: Encoded) -> None:
        self.buffer.merge(enc.payload, len(enc.statuses))
        self.records += len(enc.statuses)
        if self.buffer.records >= ARROW_BATCH:
            self._to_arrow()
        if self.records >= self.part_reports or time.monotonic() - self.last > PART_SECONDS:
            self.flush()

    def _to_arrow(self) -> None:
        """Rows gathered as Python lists become Arrow tables every ARROW_BATCH reports (compact in memory)."""
        from .tables import Builder

        for name, t in self.buffer.tables().items():
            self.arrow.setdefault(name, []).append(t)
        self.buffer = Builder()

    def flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._to_arrow()
        if not self.records:
            return
        meta = {b"giar": self.run.model_dump_json().encode()}
        name = f"part-{self.token}-{self.seq:05d}.parquet"
        for table in ("tidy", "findings", "wide"):  # wide last: a part counts once its wide file is there
            t = pa.concat_tables(self.arrow[table])
            t = t.replace_schema_metadata({**(t.schema.metadata or {}), **meta})
            tmp = self.root / table / (name + ".tmp")
            pq.write_table(t, tmp, compression="zstd")
            os.replace(tmp, self.root / table / name)
        self.arrow, self.records, self.seq, self.last = {}, 0, self.seq + 1, time.monotonic()

    def close(self) -> None:
        self.flush()


def csv_paths(output: Path) -> dict[str, Path]:
    """``NAME.csv`` (tidy), ``NAME.wide.csv``, ``NAME.findings.csv``."""
    base = output.with_suffix("") if output.suffix.lower() == ".csv" else output
    return {"tidy": base.with_name(base.name + ".csv"), "wide": base.with_name(base.name + ".wide.csv"),
            "findings": base.with_name(base.name + ".findings.csv")}


class CsvSink(PartsSink):
    """A Parquet dataset beside the output (``NAME.csv.parts/``, what resume reads), written out as CSV files
    when the run ends."""

    def __init__(self, run: RunInfo, output: Path, resume: bool, part_reports: int = PART_REPORTS) -> None:
        self.output = output
        super().__init__(run, parts_of(output), resume, part_reports)

    def close(self) -> None:
        self.flush()
        export_csv(self.root, self.output)


def parts_of(output: Path) -> Path:
    return csv_paths(output)["tidy"].with_name(csv_paths(output)["tidy"].name + ".parts")


def export_csv(root: Path, output: Path) -> dict[str, Path]:
    """Every part of a Parquet dataset written as the three CSV files, each renamed into place when complete."""
    import pyarrow.parquet as pq

    from .tables import SCHEMAS, write_csv

    paths = csv_paths(output)
    for name, path in paths.items():
        parts = sorted((root / name).glob("*.parquet"))
        tmp = path.with_name(path.name + ".tmp")
        write_csv((pq.read_table(p) for p in parts), str(tmp), SCHEMAS[name])
        os.replace(tmp, path)
    return paths


def open_sink(output: Optional[str], fmt: str, run: RunInfo, resume: bool, part_reports: int = PART_REPORTS) -> Sink:
    if output is None:
        if fmt != "jsonl":
            raise GiarError(f"--format {fmt} needs -o (a file or dataset directory)")
        return StreamSink(run, sys.stdout)
    path = Path(output)
    if fmt == "jsonl":
        return JsonlSink(run, path, resume)
    if fmt == "parquet":
        return PartsSink(run, path, resume, part_reports)
    return CsvSink(run, path, resume, part_reports)


# --- progress ----------------------------------------------------------------------------------------------


class Progress:
    """A progress bar (count, rate, ETA) on a terminal; plain lines every ``interval`` seconds when standard
    error is not one; nothing when quiet. Messages go through :meth:`log` so they never cut the bar."""

    def __init__(self, total: int, quiet: bool = False, stream: IO[str] = sys.stderr, interval: float = 10.0) -> None:
        self.total, self.stream, self.interval = total, stream, interval
        self.done = 0
        self.t0 = self.last = time.monotonic()
        self.mode = "none" if quiet else ("bar" if stream.isatty() else "lines")
        self.bar: Any = None
        if self.mode == "bar":
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import (
                Progress as Bar,
            )

            self.bar = Bar(
                TextColumn("giar"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=stream),
                transient=False,
            )
            self.task = self.bar.add_task("extract", total=total, rate="")
            self.bar.start()

    def rate(self) -> float:
        dt = time.monotonic() - self.t0
        return self.done / dt if dt > 0 else 0.0

    def eta(self) -> str:
        r = self.rate()
        if r <= 0:
            return "?"
        s = int((self.total - self.done) / r)
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.mode == "bar":
            self.bar.update(self.task, advance=n, rate=f"{self.rate():.1f} docs/s")
        elif self.mode == "lines" and (time.monotonic() - self.last >= self.interval):
            self.last = time.monotonic()
            pct = 100 * self.done / self.total if self.total else 100
            self.stream.write(
                f"giar: {self.done}/{self.total} documents ({pct:.0f}%), {self.rate():.1f} docs/s, ETA {self.eta()}\n"
            )
            self.stream.flush()

    def log(self, message: str) -> None:
        if self.mode == "bar":
            self.bar.console.print(message, markup=False, highlight=False)
        else:
            self.stream.write(message + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.mode == "bar":
            self.bar.stop()
