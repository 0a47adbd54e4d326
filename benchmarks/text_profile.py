"""Where the CPU goes per text report, by pipeline stage (process time: the load of a shared machine inflates it
less than wall time).

    python benchmarks/text_profile.py [--rounds 8] [--plain]

The text documents of throughput.py (``--plain``: without the archived page dumps, corpus 101-106), read warm
(every cache filled by a first pass, as in a batch); each stage's own time (a stage called inside another is
subtracted from it), from the round with the least total CPU time.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from throughput import inputs  # noqa: E402

import giar.pipeline as P  # noqa: E402
from giar import extract  # noqa: E402
from giar.model import Report  # noqa: E402

STAGES = {  # pipeline name -> row of the table
    "read": "read",
    "report_end": "sections",
    "locate": "sections",
    "body": "sections",
    "read_meta": "meta",
    "check_report": "meta",
    "build": "grid: build",
    "data_rows": "grid: data_rows",
    "glued": "grid: glued",
    "collect": "collect",
    "check": "check (validate)",
    "fill": "fill (infer)",
    "table_reports": "table_reports",
    "narrate": "narrate",
    "locate_values": "locate_values",
    "_nest": "nest values",
    "parse_tables": "parse_tables (rest)",
    "run": "run (rest: Report(), model_dump …)",
}
own: dict[str, float] = defaultdict(float)
_stack: list[float] = []


def timed(name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*a: Any, **k: Any) -> Any:
        t = time.process_time()
        _stack.append(0.0)
        try:
            return f(*a, **k)
        finally:
            dt = time.process_time() - t
            own[name] += dt - _stack.pop()
            if _stack:
                _stack[-1] += dt

    return wrapper


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--plain", action="store_true", help="leave out the archived page dumps (corpus 101-106)")
    args = ap.parse_args()
    for name, row in STAGES.items():
        setattr(P, name, timed(row, getattr(P, name)))
    for table in (P.MATCHERS, P.RUN_MATCHERS):
        for k, m in list(table.items()):
            table[k] = timed("match", m)
    Report.model_validate = classmethod(timed("final Report.model_validate", Report.model_validate.__func__))  # type: ignore[method-assign]
    docs = inputs("text")
    if args.plain:
        docs = [d for d in docs if not d[0].startswith("10")]
    for name, data in docs:
        extract(data, name=name)
    best, best_total = {}, float("inf")
    for _ in range(args.rounds):
        own.clear()
        t = time.process_time()
        for name, data in docs:
            extract(data, name=name)
        total = time.process_time() - t
        if total < best_total:
            best_total, best = total, dict(own)
    n = len(docs)
    print(f"{n} documents, {best_total / n * 1000:.3f} ms CPU per report (best of {args.rounds} rounds, timers included)")
    staged = sum(best.values())
    for k, v in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"  {k:38} {v / n * 1000:7.3f} ms {v / staged * 100:5.1f} %")
    print(f"  {'extract/trace outside the stages':38} {(best_total - staged) / n * 1000:7.3f} ms")


if __name__ == "__main__":
    main()
