"""Batch throughput and memory through the command line (issue 14): generated corpora of text reports and PDFs,
``giar extract DIR -o OUT -j N`` with 1, 2, … workers, peak memory of the whole process tree, and the same
through Ray locally (``--engine ray``).

    python benchmarks/batch.py [--texts 10000] [--pdfs 500] [--jobs 1,2] [--formats jsonl,parquet] [--ray]
                               [--memory 1000,10000]

Text reports: the seeds, the corpus text/markdown and the hard cases, cycled, each copy made distinct by a
line of its own (every document is read: no two share a content hash). PDFs: corpus 003/004/005 (5–6 pages),
each copy made distinct by a comment after its end. Files are written once to a temporary folder; every run
starts from an empty output.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIAR = [sys.executable, "-m", "giar.cli"]


def text_corpus(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(
        p for g in ("seeds", "corpus", "hard") for p in (ROOT / "tests" / "fixtures" / g).glob("*")
        if p.suffix in (".txt", ".md") and p.name not in ("README.md", "SOURCES.md")
    )
    texts = [(p.suffix, p.read_bytes()) for p in sources]
    for i in range(n):
        suffix, data = texts[i % len(texts)]
        (folder / f"r{i:06d}{suffix}").write_bytes(data + f"\n\nbench copy {i}\n".encode())
    return folder


def pdf_corpus(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pdfs = [p.read_bytes() for p in sorted((ROOT / "tests" / "fixtures" / "corpus").glob("*.pdf"))]
    for i in range(n):
        (folder / f"p{i:05d}.pdf").write_bytes(pdfs[i % len(pdfs)] + f"\n%bench copy {i}\n".encode())
    return folder


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, bytes (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(d.name)] = int(fields[1])
            rss[int(d.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += [c for c, pp in parents.items() if pp == p]
    return total


def _burn(n: int) -> None:
    total = 0
    for i in range(n):
        total += i * i


def parallel_check(n: int = 30_000_000, tries: int = 3) -> str:
    """Do CPU-bound processes really run side by side here? The same pure-Python loop in one process, then in
    one process per core at once: on truly parallel cores both take the same wall time (ratio 1.0); on one
    shared core the ratio is the number of processes. Best of ``tries`` each, so a passing neighbour counts
    less; a 1 → 2 worker speed-up means nothing until this says the cores are there."""
    import multiprocessing

    cores = os.cpu_count() or 1
    ctx = multiprocessing.get_context("spawn")
    one, many = [], []
    with ctx.Pool(cores) as pool:
        pool.map(_burn, [1000] * cores)  # workers started before timing
        for _ in range(tries):
            t0 = time.perf_counter()
            pool.map(_burn, [n])
            one.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pool.map(_burn, [n] * cores, chunksize=1)
            many.append(time.perf_counter() - t0)
    ratio = min(many) / min(one)
    return (f"parallel check: one CPU-bound process {min(one):.2f} s, {cores} at once {min(many):.2f} s wall "
            f"(ratio {ratio:.2f}; 1.0 = the {cores} cores run in parallel, {cores}.0 = they share one)")


def run(args: list[str], docs: int) -> dict:
    """One CLI run: wall time, documents/s, peak RSS of the process tree (sampled every 0.2 s), and the CPU
    seconds of the whole tree (user + system, the workers included: they are reaped by the run), which a busy
    machine does not inflate the way it does wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen([*GIAR, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = proc.communicate()
    t.join()
    dt = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"giar failed ({proc.returncode}): {err[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": dt, "per_second": docs / dt, "peak_mib": peak / 2**20, "cpu": cpu, "per_cpu_second": docs / cpu}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=10000)
    ap.add_argument("--pdfs", type=int, default=500)
    ap.add_argument("--jobs", default=f"1,{os.cpu_count()}")
    ap.add_argument("--formats", default="jsonl,parquet")
    ap.add_argument("--memory", default="1000,10000", help="text corpus sizes to measure peak memory at (2 workers)")
    ap.add_argument("--ray", action="store_true", help="also run --engine ray on the text and PDF corpora")
    ap.add_argument("--tmp", default=None, help="where to write the corpora and outputs (e.g. /dev/shm: no disk noise)")
    args = ap.parse_args()
    jobs = sorted({int(j) for j in args.jobs.split(",")})
    tmp = Path(tempfile.mkdtemp(prefix="giar-bench-", dir=args.tmp))
    try:
        texts = text_corpus(tmp / "texts", args.texts)
        pdfs = pdf_corpus(tmp / "pdfs", args.pdfs) if args.pdfs else None
        print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; load average at start {os.getloadavg()[0]:.1f}")
        print(parallel_check())
        print("| corpus | documents | output | workers | seconds | documents/s | CPU s (all processes) | documents per CPU s | peak RSS (MiB, all processes) | load average after |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name, folder, n in (("text", texts, args.texts), ("pdf", pdfs, args.pdfs)):
            if folder is None:
                continue
            for fmt in args.formats.split(","):
                for j in jobs:
                    out = tmp / f"out.{fmt}"
                    shutil.rmtree(out, ignore_errors=True)
                    out.unlink(missing_ok=True)
                    r = run(["extract", str(folder), "-o", str(out), "-j", str(j), "-q"], n)
                    print(f"| {name} | {n} | {fmt} | {j} | {r['seconds']:.1f} | {r['per_second']:.1f} | {r['cpu']:.1f} | {r['per_cpu_second']:.1f} | {r['peak_mib']:.0f} | {os.getloadavg()[0]:.1f} |", flush=True)
        for size in [int(s) for s in args.memory.split(",") if s]:
            sub = text_corpus(tmp / f"mem{size}", size)
            for fmt in args.formats.split(","):
                out = tmp / f"mem.{fmt}"
                shutil.rmtree(out, ignore_errors=True)
                out.unlink(missing_ok=True)
                r = run(["extract", str(sub), "-o", str(out), "-j", str(max(jobs)), "-q"], size)
                print(f"| text (memory) | {size} | {fmt} | {max(jobs)} | {r['seconds']:.1f} | {r['per_second']:.1f} | {r['cpu']:.1f} | {r['per_cpu_second']:.1f} | {r['peak_mib']:.0f} | {os.getloadavg()[0]:.1f} |", flush=True)
            shutil.rmtree(sub)
        if args.ray:
            for name, folder, n in (("text", texts, args.texts), ("pdf", pdfs, args.pdfs)):
                if folder is None:
                    continue
                out = tmp / "ray.parquet"
                shutil.rmtree(out, ignore_errors=True)
                r = run(["extract", str(folder), "-o", str(out), "--engine", "ray", "-q"], n)
                print(f"| {name} (Ray, local) | {n} | parquet | {os.cpu_count()} | {r['seconds']:.1f} | {r['per_second']:.1f} | {r['cpu']:.1f} | {r['per_cpu_second']:.1f} | {r['peak_mib']:.0f} | {os.getloadavg()[0]:.1f} |", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
