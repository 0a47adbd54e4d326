"""Time and peak memory of ``giar extract`` on each hostile input of issue 15, each in a fresh process (so the
peak is that input's own: imports included, about 60 MiB).

    python benchmarks/hostile.py [--src DIR] [--timeout 300]

``--src`` runs another checkout's ``src`` (e.g. the commit before issue 15, exported with ``git archive``) to
compare. Prints one row per input: the outcome (exit status and the first line giar printed), wall seconds and
peak RSS.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import hostile  # noqa: E402


def inputs(tmp: Path) -> dict[str, str]:
    files = {name: str(path) for name, path in hostile.junk_files(tmp).items()}
    bomb = tmp / "bomb.docx"
    bomb.write_bytes(hostile.zip_bomb())
    files["bomb.docx (1.1 MB -> 1.1 GB)"] = str(bomb)
    deep = tmp / "deep-3000.html"
    deep.write_bytes(hostile.nested_html(3000))
    files["deep-3000.html"] = str(deep)
    big = tmp / "random-50MB.bin"
    big.write_bytes(os.urandom(50 * 1024 * 1024))
    files["random-50MB.bin"] = str(big)
    fifo = tmp / "fifo.pdf"
    os.mkfifo(fifo)
    files["fifo.pdf"] = str(fifo)
    files["missing path, no extension"] = "reports/2023年报告"
    files["4,000-character path"] = "x" * 4000
    return files


def run(path: str, src: Path, timeout: float) -> tuple[str, float, float]:
    code = (
        "import sys, json; from giar.cli import main; sys.exit(main(['extract', sys.argv[1]]))"
    )
    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = start + timeout
    status = None
    while status is None:
        pid, st, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            status = os.waitstatus_to_exitcode(st)
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, st, usage = os.wait4(proc.pid, 0)
            status = "killed"
            break
        time.sleep(0.01)
    took = time.monotonic() - start
    out = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    said = (err.strip().splitlines() or ["(nothing on stderr)"])[-1 if "Traceback" in err else 0]
    if status == 0:
        said = f"a report ({len(out)} bytes of JSON); stderr: {said}"
    return f"exit {status}: {said[:150]}", took, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--src", default=str(ROOT / "src"))
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("| input | seconds | peak RSS MiB | outcome |\n|---|---|---|---|")
        for name, path in inputs(Path(tmp)).items():
            said, took, rss = run(path, Path(args.src), args.timeout)
            print(f"| {name} | {took:.2f} | {rss:.0f} | {said.replace('|', '/')} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
