"""Scans of the fixtures for ``giar bench`` (issue 17): each hard fixture printed by Chromium, rasterised at 150 dpi
and degraded (tests/scans.py: clean; skewed 1-2 degrees with speckle; sealed: a red seal over the table on grey
paper), written as an image-only PDF beside a copy of its gold, one folder per degradation::

    .venv/bin/python benchmarks/make_scans.py out/scans            # every fixture of tests/fixtures/hard
    .venv/bin/giar bench out/scans/clean --paths rules --out out/scans/results/clean

Deterministic: the same fixtures give the same pixels (a seed per document and page). Needs Chromium with a CJK
font (as tests/test_formats.py).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import scans  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="folder to write <degradation>/<fixture>.pdf and .gold.json into")
    ap.add_argument("--fixtures", nargs="*", type=Path, default=sorted((ROOT / "tests/fixtures/hard").glob("*.gold.json")),
                    help="gold files to print (default: every hard fixture)")
    ap.add_argument("--how", default=",".join(scans.DEGRADATIONS), help="comma-separated: clean, skewed, sealed")
    args = ap.parse_args(argv)
    for how in args.how.split(","):
        folder = args.out / how
        folder.mkdir(parents=True, exist_ok=True)
        for gold in args.fixtures:
            pdf = scans.make_scan(gold, how, folder)
            shutil.copyfile(gold, folder / gold.name)
            print(f"{how}: {pdf.relative_to(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
