"""Does the PDF reader still read every PDF we have as it did? (issue 13 item 5: no regressions)

    python benchmarks/pdf_same.py save    --work DIR --out BASE   # with the reference code checked out
    python benchmarks/pdf_same.py compare --work DIR --out BASE   # with the code under test

The files: tests/fixtures/corpus/*.pdf and the groups benchmarks/pdf_speed.py prints into --work (Chromium A4 and
A5, LibreOffice), plus the hard fixtures printed by Chromium in Noto Sans CJK (the radicals test's PDFs). For each
file it keeps ``read_pdf(...).text`` and runs, and ``giar.extract(...).model_dump(mode="json")``.

``compare`` demands: the same text; the same extract output in every field except provenance boxes and run boxes,
which may move by at most 0.5 pt (pages identical). It prints the files compared and the largest box difference,
and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pdf_speed

import formats
from giar import extract
from giar.read.pdf import read_pdf

TOL = 0.5
NOTO = "Noto Sans CJK SC"


def files(work: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for group, paths in pdf_speed.groups(work).items():
        if isinstance(paths, str):
            print(f"{group}: {paths}", file=sys.stderr)
            continue
        for p in paths:
            out[f"{group}/{p.name}"] = p
    try:
        for name, gold in pdf_speed._golds():
            pdf = work / f"noto_{name}.pdf"
            if not pdf.exists():
                html = work / f"noto_{name}.html"
                html.write_text(formats.to_html(gold, font_family=NOTO), encoding="utf-8")
                formats.to_pdf(html, pdf)
            out[f"noto/{pdf.name}"] = pdf
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"noto: skipped: {exc}", file=sys.stderr)
    return out


def reading(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    doc = read_pdf(data, path.name)
    return {"text": doc.text, "runs": [r.model_dump(mode="json") for r in doc.runs],
            "findings": [f.model_dump(mode="json") for f in doc.findings],
            "extract": extract(data, name=path.name).model_dump(mode="json")}


def diff(a: Any, b: Any, where: str, out: list[str], worst: list[float]) -> None:
    """Differences between ``a`` (saved) and ``b`` (now) into ``out``; a list of four numbers under a key named
    bbox may differ by TOL (the largest difference seen goes into ``worst``)."""
    if where.endswith("bbox") and isinstance(a, list) and isinstance(b, list) and len(a) == len(b) == 4:
        d = max(abs(x - y) for x, y in zip(a, b))
        worst[0] = max(worst[0], d)
        if d > TOL:
            out.append(f"{where}: {a} → {b}")
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{where}.{k}: only in {'now' if k in b else 'saved'}")
            else:
                diff(a[k], b[k], f"{where}.{k}", out, worst)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} items → {len(b)}")
        for k, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{where}[{k}]", out, worst)
    elif a != b:
        out.append(f"{where}: {str(a)[:80]!r} → {str(b)[:80]!r}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("save", "compare"))
    ap.add_argument("--work", type=Path, required=True, help="where pdf_speed.py prints its PDFs")
    ap.add_argument("--out", type=Path, required=True, help="where the saved readings are")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    found = files(args.work)
    bad = 0
    worst = [0.0]
    for key, path in sorted(found.items()):
        saved = args.out / (key.replace("/", "__") + ".json")
        now = reading(path)
        if args.mode == "save":
            saved.write_text(json.dumps(now, ensure_ascii=False, indent=1), encoding="utf-8")
            continue
        if not saved.exists():
            print(f"{key}: no saved reading")
            bad += 1
            continue
        problems: list[str] = []
        if json.loads(saved.read_text(encoding="utf-8"))["text"] != now["text"]:
            problems.append("text differs")
        diff(json.loads(saved.read_text(encoding="utf-8")), json.loads(json.dumps(now)), "", problems, worst)
        if problems:
            bad += 1
            print(f"{key}: {len(problems)} differences")
            for p in problems[:10]:
                print(f"    {p}")
    if args.mode == "save":
        print(f"saved {len(found)} files to {args.out}")
    else:
        print(f"compared {len(found)} files: {len(found) - bad} the same, {bad} different; "
              f"largest box difference {worst[0]:.3f} pt (tolerance {TOL})")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
