"""Rule-path throughput and peak memory, on one core.

    python benchmarks/throughput.py [--reports 500] [--formats text,html,pdf,docx]

Text input: the seeds, the corpus text/markdown dumps and the hard cases, cycled to --reports documents,
read from bytes in memory (disk excluded). Target (issue 3): at least 500 reports/s for text input.

Each format runs in a process of its own, so its peak RSS is its own (imports included), not the peak of the
formats before it. Wall seconds and the process's CPU seconds are both printed: on a shared machine the CPU
time is the figure that does not depend on the load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from giar import extract  # noqa: E402

SUFFIXES = {"text": (".txt", ".md"), "html": (".html",), "pdf": (".pdf",), "docx": (".docx",)}


def generated_docx() -> list[tuple[str, bytes]]:
    """DOCX versions of the dense hard-case fixtures, written by tests/formats.py (python-docx)."""
    import json
    import tempfile

    sys.path.insert(0, str(ROOT / "tests"))
    import formats

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("tabs_2021", "tabs_2019"):
            gold = json.loads((ROOT / "tests" / "fixtures" / "hard" / f"{name}.gold.json").read_text(encoding="utf-8"))
            path = Path(tmp) / f"{name}.docx"
            formats.to_docx(gold, path)
            out.append((path.name, path.read_bytes()))
    return out


def inputs(fmt: str) -> list[tuple[str, bytes]]:
    if fmt == "docx":
        return generated_docx()
    files = sorted(  # the reports with gold: seeds, corpus, hard cases (not the perturbed regression variants)
        p for group in ("seeds", "corpus", "hard") for p in (ROOT / "tests" / "fixtures" / group).glob("*")
        if p.suffix in SUFFIXES[fmt] and not p.name.endswith(".gold.json") and p.name not in ("README.md", "SOURCES.md")
    )
    return [(p.name, p.read_bytes()) for p in files]


def measure(fmt: str, n: int) -> dict:
    docs = inputs(fmt)
    if not docs:
        return {"format": fmt, "documents": 0}
    for name, data in docs:  # warm-up: imports, regex compilation
        extract(data, name=name)
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        name, data = docs[i % len(docs)]
        extract(data, name=name)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "format": fmt,
        "documents": n,
        "distinct": len(docs),
        "seconds": round(dt, 3),
        "per_second": round(n / dt, 1),
        "cpu_ms": round(cpu / n * 1000, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=500)
    ap.add_argument("--formats", default="text")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one format in this process, print JSON
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    if args.one:
        n = args.reports if args.one in ("text", "html") else max(20, args.reports // 20)
        r = measure(args.one, n)
        r["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(r))
        return
    for fmt in args.formats.split(","):
        cmd = [sys.executable, __file__, "--reports", str(args.reports), "--one", fmt]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        print(
            f"{r['format']:5} {r.get('documents', 0):5d} docs ({r.get('distinct', 0)} distinct) "
            f"in {r.get('seconds', 0):7.3f} s = {r.get('per_second', 0):8.1f} docs/s, "
            f"CPU {r.get('cpu_ms', 0):7.3f} ms/doc, peak RSS {r['peak_mib']} MiB"
        )


if __name__ == "__main__":
    main()
