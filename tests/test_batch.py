"""Batches (issues 14 and 15): every input exactly once in every output format, also across a kill and a
resume; failures as records; one writer per output; a per-document deadline; workers that die with their
parent; memory bounded by the workers; tables pandas, Excel and WPS open with the right types."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from giar import extract
from giar.batch import Failure, Job, extract_all, extract_many, iter_documents
from giar.output import Progress, csv_paths, locked, record_of
from giar.tables import pandas_dtypes, to_tables

GIAR = [sys.executable, "-m", "giar.cli"]
SEEDS = ["000", "001", "002", "003", "004"]


def corpus(fixtures_dir: Path, folder: Path, n: int) -> list[Path]:
    """n distinct documents: the seeds, each copy told apart by a line in its section 六."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = [(fixtures_dir / "seeds" / f"{s}.txt").read_text(encoding="utf-8") for s in SEEDS]
    out = []
    for i in range(n):
        p = folder / f"doc{i:04d}.txt"
        p.write_text(texts[i % len(texts)] + f"\n\ncopy {i}\n", encoding="utf-8")
        out.append(p)
    return out


def records(out: Path, fmt: str) -> list[dict]:
    """Every record of an output, as dicts with source, sources and status (fails on a half-written line)."""
    if fmt == "jsonl":
        rows = []
        for line in out.read_text(encoding="utf-8").splitlines():
            r = record_of(line)
            rows.append({"source": r.source, "sources": r.sources, "status": "failed" if isinstance(r, Failure) else None})
        return rows
    root = out if fmt == "parquet" else out.with_name(out.name + ".parts")
    return pq.read_table(root / "wide", columns=["source", "sources", "status"]).to_pylist()


# A document that never finishes (a hung network share, a pathological input): giar refuses a FIFO at once, so
# the tests make reading any file named stuck*.txt hang, in the process and in the workers it forks.
_HANG = """
import time, giar.batch
def _hang(f):
    def hanging(source, *args, **kw):
        if str(source).rsplit("/", 1)[-1].startswith("stuck"):
            time.sleep(3600)
        return f(source, *args, **kw)
    return hanging
giar.batch.trace = _hang(giar.batch.trace)
giar.batch.extract = _hang(giar.batch.extract)
"""


def hanging(tmp_path: Path, n: int = 1) -> tuple[list[str], dict[str, str]]:
    """n stuck documents, and the environment that makes a giar subprocess hang on them."""
    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(_HANG, encoding="utf-8")
    files = []
    for i in range(n):
        f = tmp_path / f"stuck{i}.txt"
        f.write_text("stuck", encoding="utf-8")
        files.append(str(f))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]))
    return files, env


def run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*GIAR, *args], capture_output=True, text=True, timeout=300, **kw)


# --- the Python API ------------------------------------------------------------------------------------


def test_extract_many_reads_ahead_only_a_window_and_keeps_input_order(fixtures_dir):
    """Memory bounded by the workers: inputs are taken lazily, at most the window ahead of what was yielded."""
    paths = [fixtures_dir / "seeds" / f"{s}.txt" for s in SEEDS] * 4
    taken = 0

    def lazy():
        nonlocal taken
        for p in paths:
            taken += 1
            yield p

    seen = []
    for i, results in iter_documents(lazy(), jobs=2, window=3):
        assert taken <= i + 1 + 3, (i, taken)
        seen.append(results[0].source)
    assert seen == [str(p) for p in paths]


def test_a_document_over_the_deadline_is_an_error_record_and_the_others_are_kept(fixtures_dir, tmp_path):
    import giar.batch

    (stuck_name,), _ = hanging(tmp_path)
    stuck = Path(stuck_name)
    originals = giar.batch.trace, giar.batch.extract

    def never_ends(f):  # forked workers inherit it: a document that never finishes
        def wrapped(source, *args, **kw):
            if str(source) == stuck_name:
                time.sleep(3600)
            return f(source, *args, **kw)

        return wrapped

    giar.batch.trace, giar.batch.extract = never_ends(originals[0]), never_ends(originals[1])
    srcs = [fixtures_dir / "seeds" / "000.txt", stuck, fixtures_dir / "seeds" / "001.txt"]
    t0 = time.monotonic()
    try:
        out = list(extract_many(srcs, jobs=1, timeout=2))
    finally:
        giar.batch.trace, giar.batch.extract = originals
    assert time.monotonic() - t0 < 60
    assert [type(r).__name__ for r in out] == ["Report", "Failure", "Report"]
    assert out[1].error_type == "OverTimeLimit" and out[1].source == str(stuck)
    assert out[2].requests == extract(srcs[2]).requests


def test_a_compilation_gives_one_report_per_body_and_extract_names_the_others(fixtures_dir):
    texts = [(fixtures_dir / "seeds" / f"{s}.txt").read_text(encoding="utf-8") for s in ("000", "004", "002")]
    text = "\n\n".join(texts)
    parts = extract_all(text)
    assert [r.part for r in parts] == [1, 2, 3]
    for part, alone in zip(parts, texts):
        assert part.requests == extract(alone).requests and part.meta == extract(alone).meta
        for key, p in part.provenance.items():  # spans point into the whole file's text
            if p.span:
                assert text[p.span[0] : p.span[1]] == p.text, key
    first = extract(text)
    assert first.requests == parts[0].requests
    named = [f.message for f in first.findings if "3 reports" in f.message]
    assert named and parts[1].meta.organization in named[0] and parts[2].meta.organization in named[0]


def test_tables_of_reports_without_files(fixtures_dir):
    reports = [extract(fixtures_dir / "seeds" / f"{s}.txt") for s in SEEDS]
    failure = Failure(source="gone.pdf", error_type="ReadError", message="gone.pdf: no such file")
    t = to_tables([*reports, failure])
    tidy, wide = t["tidy"].to_pandas(), t["wide"].to_pandas()
    assert len(wide) == 6 and wide["status"].tolist()[-1] == "failed" and wide["error_type"].tolist()[-1] == "ReadError"
    row = tidy[(tidy.source == reports[4].source) & (tidy.row == "new_received") & (tidy.column == "total")]
    assert row["count"].tolist() == [reports[4].requests["new_received"]["total"]]
    assert row["row_label"].tolist() == ["一、本年新收政府信息公开申请数量"] and row["column_label"].tolist() == ["总计"]
    assert str(tidy["count"].dtype) == "int64" or str(tidy["count"].dtype) == "Int64"
    # every template cell of every report, null ones included
    assert len(tidy) == sum(len(r.provenance) + sum(v is None for t in ("active_disclosure", "requests", "review_litigation") for c in getattr(r, t).values() for v in c.values()) for r in reports)


# --- the command line: outputs and types ------------------------------------------------------------------


def test_parquet_and_csv_of_the_fixtures_open_in_pandas_with_the_documented_dtypes(fixtures_dir, tmp_path):
    pd = pytest.importorskip("pandas")
    inputs = [str(fixtures_dir / "seeds"), str(fixtures_dir / "corpus" / "011_shanghai-gov-office-2019.html")]
    assert run("extract", *inputs, "-o", str(tmp_path / "out.parquet"), "-q").returncode == 0
    assert run("extract", *inputs, "-o", str(tmp_path / "out.csv"), "-q").returncode == 0

    tidy = pd.read_parquet(tmp_path / "out.parquet" / "tidy")
    assert str(tidy["count"].dtype) == "Int64" and str(tidy["page"].dtype) == "Int64"
    assert str(tidy["amount"].dtype) == "float64" and str(tidy["value"].dtype) == "float64"
    amount = tidy[(tidy.row == "centralized_procurement") & (tidy.column == "amount_wan") & tidy.amount.notna()]
    assert 25.1 in amount["amount"].tolist()  # 251000元 printed: 万元 in the table
    wide = pd.read_parquet(tmp_path / "out.parquet" / "wide")
    assert str(wide["requests.new_received.total"].dtype) == "Int64"
    assert set(wide["giar_version"]) and json.loads(wide["config"][0])["llm"] is False

    paths = csv_paths(tmp_path / "out.csv")
    for name, path in paths.items():
        assert path.read_bytes()[:3] == b"\xef\xbb\xbf", name  # UTF-8 BOM: Excel and WPS read the labels right
        df = pd.read_csv(path, dtype=pandas_dtypes(name))
        assert df.columns[0] == "source"
    csv_tidy = pd.read_csv(paths["tidy"], dtype=pandas_dtypes("tidy"))
    assert str(csv_tidy["count"].dtype) == "Int64" and str(csv_tidy["template"].dtype).startswith("str")
    plain = pd.read_csv(paths["tidy"])  # without the dtypes, numbers are still numbers, never strings
    assert plain["count"].dtype.kind in "if" and plain["amount"].dtype.kind == "f"
    assert "本年新收" in "".join(csv_tidy["row_label"].dropna())
    key = ["source", "table", "row", "column"]
    both = tidy.merge(csv_tidy, on=key, suffixes=("_pq", "_csv"))
    assert len(both) == len(tidy) == len(csv_tidy)
    assert (both["count_pq"].fillna(-1) == both["count_csv"].fillna(-1)).all()


def test_identical_files_are_one_record_listing_every_path_and_a_moved_file_is_not_redone(fixtures_dir, tmp_path):
    docs = corpus(fixtures_dir, tmp_path / "in", 3)
    twin = tmp_path / "in" / "twin.txt"
    twin.write_bytes(docs[0].read_bytes())
    out = tmp_path / "out.jsonl"
    proc = run("extract", str(tmp_path / "in"), "-o", str(out))
    assert proc.returncode == 0 and "1 identical files folded" in proc.stderr
    rows = records(out, "jsonl")
    assert len(rows) == 3 and rows[0]["sources"] == [str(docs[0]), str(twin)]
    moved = tmp_path / "in" / "moved.txt"
    docs[1].rename(moved)
    proc = run("extract", str(tmp_path / "in"), "-o", str(out), "--resume")
    assert "0 to do" in proc.stderr and len(records(out, "jsonl")) == 3


def test_another_configuration_is_redone(fixtures_dir, tmp_path):
    docs = corpus(fixtures_dir, tmp_path / "in", 3)
    out = tmp_path / "out.jsonl"
    assert run("extract", *map(str, docs), "-o", str(out)).returncode == 0
    corrections = tmp_path / "c.json"
    corrections.write_text('{"giar_corrections": 1, "corrections": []}', encoding="utf-8")
    proc = run("extract", *map(str, docs), "-o", str(out), "--resume", "--corrections", str(corrections))
    assert "3 records made by another giar version or configuration" in proc.stderr and "3 to do" in proc.stderr
    lines = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 3 and all(l["run"]["config"]["corrections"] for l in lines)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv"])
def test_a_failure_is_an_error_record_a_stderr_line_a_count_and_the_exit_status(fixtures_dir, tmp_path, fmt):
    docs = corpus(fixtures_dir, tmp_path / "in", 2)
    empty = tmp_path / "in" / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / f"out.{fmt}"
    proc = run("extract", str(tmp_path / "in"), "-o", str(out))
    assert proc.returncode == 1
    assert f"{empty}: ReadError" in proc.stderr
    assert "1 failed" in proc.stderr
    rows = records(out, fmt)
    assert sorted(r["source"] for r in rows) == sorted(map(str, [*docs, empty]))
    assert [r["status"] for r in rows if r["source"] == str(empty)] == ["failed"]


def test_a_second_writer_is_refused(fixtures_dir, tmp_path):
    docs = corpus(fixtures_dir, tmp_path / "in", 2)
    out = tmp_path / "out.jsonl"
    with locked(str(out)):  # another process holds the output (an OS lock: the same one a running giar holds)
        proc = run("extract", *map(str, docs), "-o", str(out), "--resume")
    assert proc.returncode == 2 and "being written by another giar run" in proc.stderr
    assert not out.exists()
    assert run("extract", *map(str, docs), "-o", str(out)).returncode == 0  # the lock went with its holder


# --- killed and resumed ------------------------------------------------------------------------------------


def _count(out: Path, fmt: str) -> int:
    try:
        if fmt == "jsonl":
            return out.read_bytes().count(b"\n") if out.exists() else 0
        root = out if fmt == "parquet" else out.with_name(out.name + ".parts")
        return sum(pq.read_metadata(p).num_rows for p in (root / "wide").glob("*.parquet"))
    except (OSError, ValueError):
        return 0


@pytest.mark.parametrize("fmt,sig", [("jsonl", signal.SIGKILL), ("parquet", signal.SIGKILL), ("csv", signal.SIGINT)])
def test_a_run_killed_halfway_and_resumed_has_every_input_exactly_once(fixtures_dir, tmp_path, fmt, sig):
    n = 300
    docs = corpus(fixtures_dir, tmp_path / "in", n)
    out = tmp_path / f"out.{fmt}"
    cmd = [*GIAR, "extract", str(tmp_path / "in"), "-o", str(out), "-j", "2", "--part-reports", "10"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _count(out, fmt) < n // 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(sig)
    proc.wait(30)
    proc.stderr.close()
    before = _count(out, fmt)
    assert 0 < before < n
    resumed = run("extract", str(tmp_path / "in"), "-o", str(out), "--resume", "-j", "2")
    assert resumed.returncode == 0, resumed.stderr
    assert "already in" in resumed.stderr
    rows = records(out, fmt)
    assert Counter(r["source"] for r in rows) == Counter(map(str, docs))  # every input, exactly once
    if fmt == "csv":
        pd = pytest.importorskip("pandas")
        tidy = pd.read_csv(csv_paths(out)["tidy"], dtype=pandas_dtypes("tidy"))
        assert tidy["source"].nunique() == n


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parents[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = {c for c, pp in parents.items() if pp == p}
        out |= kids
        todo += list(kids)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_their_parent(tmp_path):
    stuck, env = hanging(tmp_path, 2)  # each worker blocks on one for ever
    proc = subprocess.Popen([*GIAR, "extract", *stuck, "-o", str(tmp_path / "out.jsonl"), "-j", "2", "--timeout", "0"], env=env)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 2 and time.monotonic() < deadline:  # two workers, each blocked on its pipe
        time.sleep(0.2)
        workers = _descendants(proc.pid)
    assert len(workers) >= 2, workers
    proc.kill()
    proc.wait(10)
    deadline = time.monotonic() + 20
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in workers if _alive(p)], "workers outlived their parent"


# --- progress --------------------------------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_lines_elsewhere_nothing_when_quiet():
    bar = _Tty()
    p = Progress(4, stream=bar)
    for _ in range(4):
        p.advance()
    p.close()
    assert "4/4" in bar.getvalue() and "docs/s" in bar.getvalue()
    lines = io.StringIO()
    p = Progress(4, stream=lines, interval=0)
    for _ in range(4):
        p.advance()
    assert lines.getvalue().splitlines()[-1].startswith("giar: 4/4 documents (100%)") and "ETA" in lines.getvalue()
    quiet = _Tty()
    p = Progress(4, quiet=True, stream=quiet)
    p.advance()
    p.close()
    assert quiet.getvalue() == ""


def test_job_paths_and_hash_reach_a_failure_record(tmp_path):
    gone = str(tmp_path / "gone.txt")
    [(_, results)] = list(iter_documents([Job(gone, (gone, "elsewhere.txt"), "ab12")]))
    assert results[0].sources == [gone, "elsewhere.txt"] and results[0].content_hash == "ab12"


def test_review_reads_a_batch_output_with_its_error_records(fixtures_dir, tmp_path):
    from giar.review import collect

    docs = corpus(fixtures_dir, tmp_path / "in", 2)
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    out = tmp_path / "out.jsonl"
    run("extract", str(tmp_path / "in"), "-o", str(out))
    items = collect([str(out)])
    assert [i.source for i in items if i.report is not None] == [str(d) for d in docs]
    assert [i.error for i in items if i.report is None] == [f"ReadError: {tmp_path / 'in' / 'empty.txt'}: empty file"]


def test_two_real_runs_on_one_output_the_second_refuses(tmp_path):
    """The measured failure (two runs on one -o interleaved lines and lost reports, both exit 0): now the
    second run refuses while the first holds the output, and the first is not disturbed."""
    (stuck,), env = hanging(tmp_path)  # keeps the first run busy until the test ends it
    out = tmp_path / "out.jsonl"
    other = tmp_path / "other.txt"
    other.write_text("x", encoding="utf-8")
    first = subprocess.Popen([*GIAR, "extract", stuck, str(other), "-o", str(out), "--timeout", "0"],
                             stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 60
        while not Path(str(out) + ".lock").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        second = run("extract", stuck, "-o", str(out), "--resume")
        assert second.returncode == 2 and f"process {first.pid}" in second.stderr
        assert first.poll() is None
    finally:
        first.kill()
        first.wait(10)
