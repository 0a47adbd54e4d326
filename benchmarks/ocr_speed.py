"""OCR speed and memory (issue 17): CPU seconds per page and peak resident memory of reading scans.

    .venv/bin/python benchmarks/make_scans.py out/scans
    .venv/bin/python benchmarks/ocr_speed.py out/scans            # every <degradation>/*.pdf under it

Each scan is read by ``giar.read.read`` (rasterise, clean up, deskew, OCR, lay out) in this one process with the
default ``OcrSettings`` (one onnxruntime thread: a batch runs one such process per core). CPU time is
``time.process_time`` (not wall clock: the machine may be shared); the models' loading is timed apart, once. Peak
memory is the process's peak RSS (``ru_maxrss``), models included.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from giar.read import read  # noqa: E402
from giar.read.ocr import DEFAULT_OCR, _engine  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="a folder of scans (make_scans.py's output)")
    args = ap.parse_args(argv)
    import pypdfium2 as pdfium

    t = time.process_time()
    _engine(DEFAULT_OCR.threads, DEFAULT_OCR.box_score, DEFAULT_OCR.det_max_side)
    load = time.process_time() - t
    cpu: dict[str, float] = defaultdict(float)
    pages: dict[str, int] = defaultdict(int)
    for pdf_path in sorted(args.folder.rglob("*.pdf")):
        how = pdf_path.parent.name
        pdf = pdfium.PdfDocument(str(pdf_path))
        n = len(pdf)
        pdf.close()
        t = time.process_time()
        read(pdf_path)
        cpu[how] += time.process_time() - t
        pages[how] += n
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"models loaded in {load:.1f} CPU s")
    print("| scans | pages | CPU s per page | pages per CPU s |")
    print("| --- | ---: | ---: | ---: |")
    for how in sorted(cpu):
        print(f"| {how} | {pages[how]} | {cpu[how] / pages[how]:.2f} | {pages[how] / cpu[how]:.3f} |")
    total_cpu, total_pages = sum(cpu.values()), sum(pages.values())
    if total_pages:
        print(f"| all | {total_pages} | {total_cpu / total_pages:.2f} | {total_pages / total_cpu:.3f} |")
    print(f"peak RSS: {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
