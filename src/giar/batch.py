"""Many documents: :func:`extract_many` reads them in input order, in parallel worker processes if asked, with
memory bounded by the number of workers (not the corpus), and a document that fails becomes a :class:`Failure`
record instead of stopping the batch.

Workers are processes of our own (not a ``concurrent.futures`` pool) so that one document can be stopped: a
document still running after ``timeout`` seconds has its worker killed and becomes a Failure of type
:class:`~giar.errors.OverTimeLimit`; a worker that dies (out of memory, a native crash) gives a
:class:`~giar.errors.WorkerDied` record and is replaced. Workers ignore SIGINT (the parent decides) and, on
Linux, are killed by the kernel when their parent dies (``PR_SET_PDEATHSIG``), so killing a run with SIGKILL
leaves no worker behind.

A file that holds several bodies' reports (a county publishing its townships' reports in one document) gives
one Report per body with ``split=True`` (``Report.part`` = 1, 2, …): :func:`extract_all`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import Field

from .errors import OverTimeLimit, WorkerDied
from .model import Document, Report, RunInfo, Strict
from .pipeline import extract, run, trace
from .read import Source
from .sections import report_starts


class Failure(Strict):
    """A document of a batch that could not be read: the batch goes on without it, and outputs keep this record
    (``type`` is the exception's class name: ReadError, OverTimeLimit, WorkerDied, …)."""

    record: Literal["error"] = "error"
    source: str
    error_type: str
    message: str
    content_hash: Optional[str] = None
    sources: list[str] = Field(default_factory=list)
    run: Optional[RunInfo] = None

    @property
    def error(self) -> str:
        return f"{self.error_type}: {self.message}"

    @classmethod
    def of(cls, source: str, exc: BaseException) -> Failure:
        return cls(source=source, error_type=type(exc).__name__, message=str(exc))


Result = Report | Failure


# --- compilations --------------------------------------------------------------------------------------


def _part(doc: Document, start: int) -> Document:
    """The document from offset ``start`` on (where another body's report begins), runs and marks shifted."""
    runs = [r.model_copy(update={"start": r.start - start, "end": r.end - start}) for r in doc.runs if r.start >= start]
    marks = [m.model_copy(update={"start": m.start - start, "end": m.end - start}) for m in doc.marks if m.start >= start]
    return doc.model_copy(update={"text": doc.text[start:], "runs": runs, "marks": marks, "findings": []})


def extract_all(source: Source, *, name: Optional[str] = None, **options: Any) -> list[Report]:
    """Every body's report in one file: the first as :func:`giar.extract` gives it, then one per further report
    title (``part`` 2, 3, …), spans still pointing into the whole file's text. A file of one report gives a
    list of one (``part`` left None)."""
    t = trace(source, name=name, **options)  # typed errors and the document's limits, as extract gives them
    doc, first = t.document, t.report
    assert first is not None
    options = {k: v for k, v in options.items() if k != "limits"}
    starts = report_starts(doc.text)
    if not starts:
        return [first]
    first.part = 1
    out = [first]
    for k, start in enumerate(starts, 2):
        report = run(_part(doc, start), **options).report
        assert report is not None
        for p in report.provenance.values():
            if p.span is not None:
                p.span = (p.span[0] + start, p.span[1] + start)
        report.part = k
        out.append(report)
    return out


# --- one document, anywhere ----------------------------------------------------------------------------


def source_name(src: Source) -> str:
    if isinstance(src, (bytes, bytearray)):
        return "<bytes>"
    if isinstance(src, str) and ("\n" in src or len(src) >= 4096):
        return "<text>"
    return str(src)


@dataclass(frozen=True)
class Job:
    """One input of a batch with what the batch already knows of it: every path this same content was found
    at, and its content hash (so a document that cannot be read still has one in its error record)."""

    source: Source
    sources: tuple[str, ...] = ()
    content_hash: Optional[str] = None


Post = Callable[[list[Result]], Any]


def _one(item: Source | Job, options: dict[str, Any], split: bool, post: Optional[Post] = None) -> Any:
    """One input's results (``post`` applied to them in the process that read it)."""
    job = item if isinstance(item, Job) else Job(item)
    results: list[Result]
    try:
        results = list(extract_all(job.source, **options)) if split else [extract(job.source, **options)]
    except Exception as exc:
        results = [Failure.of(source_name(job.source), exc)]
    return _finish(job, results, post)


def _finish(job: Job, results: list[Result], post: Optional[Post]) -> Any:
    for r in results:
        if job.sources:
            r.sources = list(job.sources)
        if r.content_hash is None:
            r.content_hash = job.content_hash
    return post(results) if post is not None else results


def _die_with_parent(parent: int) -> None:
    """A worker ignores Ctrl-C (its parent stops it) and dies with its parent (Linux: the kernel kills it; a
    parent already gone before that was set is seen at once)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)


def _worker(conn: Connection, options: dict[str, Any], split: bool, post: Optional[Post], parent: int) -> None:
    _die_with_parent(parent)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if task is None:
            return
        index, src = task
        try:
            conn.send((index, _one(src, options, split, post)))
        except (BrokenPipeError, OSError):
            return


@cache
def _context() -> Any:
    """fork on Linux: a worker is the parent's own child, ready at once, and the kernel kills it when the
    parent dies (a fork server would stand between them and could outlive a parent killed while it starts);
    spawn elsewhere."""
    return mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: Optional[tuple[int, Source | Job]] = None  # (index, input) of the document it is reading
    started: float = 0.0


class _Pool:
    def __init__(self, jobs: int, options: dict[str, Any], split: bool, timeout: Optional[float], post: Optional[Post]) -> None:
        self.options, self.split, self.timeout, self.post = options, split, timeout, post
        self.workers = [self._spawn() for _ in range(max(1, jobs))]

    def _spawn(self) -> _Worker:
        ctx = _context()
        parent, child = ctx.Pipe()
        p = ctx.Process(target=_worker, args=(child, self.options, self.split, self.post, os.getpid()), daemon=True)
        p.start()
        child.close()
        return _Worker(p, parent)

    def idle(self) -> list[_Worker]:
        return [w for w in self.workers if w.task is None]

    def busy(self) -> bool:
        return any(w.task is not None for w in self.workers)

    def start(self, w: _Worker, index: int, src: Source | Job) -> None:
        w.task, w.started = (index, src), time.monotonic()
        try:
            w.conn.send((index, src))
        except (BrokenPipeError, OSError):
            pass  # a dead worker: wait() sees it and records the document as failed

    def _replace(self, w: _Worker, error: Exception) -> tuple[int, Any]:
        assert w.task is not None
        index, item = w.task
        if w.process.is_alive():
            w.process.kill()
        w.process.join(5)
        w.conn.close()
        self.workers[self.workers.index(w)] = self._spawn()
        job = item if isinstance(item, Job) else Job(item)
        return index, _finish(job, [Failure.of(source_name(job.source), error)], self.post)

    def wait(self) -> list[tuple[int, Any]]:
        """Block until at least one document is done (or over its deadline); their results."""
        busy = [w for w in self.workers if w.task is not None]
        if not busy:
            return []
        limit = None
        if self.timeout:
            limit = max(0.0, min(w.started for w in busy) + self.timeout - time.monotonic())
        ready = set(wait([w.conn for w in busy], limit))
        out: list[tuple[int, Any]] = []
        now = time.monotonic()
        for w in busy:
            if w.conn in ready:
                try:
                    index, results = w.conn.recv()
                except (EOFError, OSError):
                    w.process.join(1)
                    code = w.process.exitcode
                    out.append(self._replace(w, WorkerDied(f"the worker reading it died (exit code {code})")))
                    continue
                w.task = None
                out.append((index, results))
            elif self.timeout and now - w.started > self.timeout:
                out.append(self._replace(w, OverTimeLimit(f"not done after {self.timeout:g} s; stopped")))
        return out

    def close(self) -> None:
        for w in self.workers:
            if w.task is None:
                try:
                    w.conn.send(None)
                except (BrokenPipeError, OSError):
                    pass
            else:
                w.process.kill()
        for w in self.workers:
            w.process.join(2)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(2)
            w.conn.close()


def iter_documents(
    sources: Iterable[Source | Job],
    jobs: int = 1,
    *,
    timeout: Optional[float] = None,
    split: bool = False,
    window: Optional[int] = None,
    post: Optional[Post] = None,
    **options: Any,
) -> Iterator[tuple[int, Any]]:
    """(input index, its results) in input order: one Report, several (a compilation with ``split``) or one
    Failure per input, or what ``post`` (a picklable callable, run in the worker) makes of them. At most
    ``window`` documents (default twice the workers) are read ahead of the one the caller is waiting for, so
    memory does not grow with the corpus."""
    if jobs <= 1 and not timeout:
        for i, src in enumerate(sources):
            yield i, _one(src, options, split, post)
        return
    window = window or 2 * max(1, jobs)
    it = iter(sources)
    pool = _Pool(jobs, options, split, timeout, post)
    done: dict[int, Any] = {}
    next_in = next_out = 0
    exhausted = False
    try:
        while True:
            for w in pool.idle():
                if exhausted or next_in - next_out >= window:
                    break
                try:
                    src = next(it)
                except StopIteration:
                    exhausted = True
                    break
                pool.start(w, next_in, src)
                next_in += 1
            while next_out in done:
                yield next_out, done.pop(next_out)
                next_out += 1
            if exhausted and next_out == next_in:
                return
            done.update(pool.wait())
    finally:
        pool.close()


def extract_many(
    sources: Iterable[Source],
    jobs: int = 1,
    *,
    timeout: Optional[float] = None,
    split: bool = False,
    **options: Any,
) -> Iterator[Result]:
    """Reports for many documents, in input order; one that fails yields a :class:`Failure`, never stops the
    rest. ``jobs`` > 1 reads documents in that many processes; ``timeout`` (seconds) stops a document still
    being read after it (a Failure of type OverTimeLimit); ``split`` gives every body's report of a
    compilation (several Reports for that input). Memory is bounded by the number of workers: inputs are
    taken from ``sources`` lazily. ``options`` are :func:`extract`'s (``llm=…``)."""
    for _, results in iter_documents(sources, jobs, timeout=timeout, split=split, **options):
        yield from results


def content_hash(path: str | Path) -> str:
    """The sha256 of a file as :class:`~giar.model.Document` computes it (``Report.content_hash``)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
