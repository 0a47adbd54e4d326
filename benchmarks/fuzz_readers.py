"""Fuzz the readers and the pipeline (issue 15 item 6): hypothesis generates the inputs, every one is run and
counted, nothing is shrunk or stopped on (a crash is recorded with its input's description and run on).

    python benchmarks/fuzz_readers.py [--bytes 3000] [--perturbed 3000] [--seed 0] [--out benchmarks/results/fuzz.json]

Two runs:

* ``bytes``: every fixture document of every format (text, markdown, HTML, PDF, DOCX, and DOCX/HTML printed
  from gold by tests/formats.py) damaged at the byte level — bytes flipped, random bytes inserted, a range
  deleted or duplicated, the file cut short, two documents spliced, and for a DOCX the same inside
  ``word/document.xml`` re-zipped — then given to ``giar.extract``. Allowed outcomes: a Report, or a
  GiarError that is not an InternalError. A crash is any other exception, or an InternalError (a bug).
* ``perturbed``: tests/perturb.py's variants of the hand-labelled fixtures (labels wrapped at random widths,
  whitespace, a row dropped or duplicated, two digits swapped, page furniture, cells run together); besides
  crashes it counts provenance that does not parse back to its value and values that differ from gold where
  every rule holds on a variant with its numbers unchanged.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from giar import GiarError, InternalError, Limits, extract, trace  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
SUFFIXES = {".txt", ".md", ".html", ".htm", ".pdf", ".docx"}
LIMITS = Limits(max_seconds=60)


def seeds() -> list[tuple[str, bytes]]:
    """Every fixture document, plus a DOCX and an HTML page printed from two golds."""
    from formats import to_docx, to_html

    out = [
        (str(p.relative_to(FIXTURES)), p.read_bytes())
        for p in sorted(FIXTURES.rglob("*"))
        if p.is_file() and p.suffix.lower() in SUFFIXES and p.name.upper() not in {"README.MD", "SOURCES.MD"}
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for gold in sorted((FIXTURES / "hard").glob("*.gold.json"))[:2]:
            g = json.loads(gold.read_text(encoding="utf-8"))
            path = to_docx(g, Path(tmp) / (gold.stem + ".docx"))
            out.append((f"printed/{path.name}", path.read_bytes()))
            out.append((f"printed/{gold.stem}.html", to_html(g).encode("utf-8")))
    return out


def mutate(data: bytes, how: str, rng: random.Random, other: bytes) -> bytes:
    n = len(data)
    if how == "flip":
        b = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            if b:
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        return bytes(b)
    if how == "insert":
        at = rng.randint(0, n)
        return data[:at] + rng.randbytes(rng.randint(1, 256)) + data[at:]
    if how == "delete":
        at = rng.randint(0, n)
        return data[:at] + data[at + rng.randint(1, max(1, n // 8)) :]
    if how == "duplicate":
        at, size = rng.randint(0, n), rng.randint(1, max(1, n // 8))
        return data[:at] + data[at : at + size] * rng.randint(2, 4) + data[at:]
    if how == "truncate":
        return data[: rng.randint(0, n)]
    if how == "splice":
        return data[: rng.randint(0, n)] + other[rng.randint(0, len(other)) :]
    raise ValueError(how)


def mutate_docx(data: bytes, how: str, rng: random.Random, other: bytes) -> bytes:
    """The same damage inside word/document.xml, re-zipped (so the XML reader is reached, not only the ZIP)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename == "word/document.xml":
                part = mutate(part, how, rng, other)
            dst.writestr(info.filename, part)
    return out.getvalue()


def run_bytes(count: int, seed: int, report: dict) -> None:
    docs = seeds()
    by_format: dict[str, list[int]] = {}
    for k, (name, _) in enumerate(docs):
        by_format.setdefault(Path(name).suffix.lower().replace(".htm", ".html").replace(".htmll", ".html"), []).append(k)
    formats = sorted(by_format)
    outcomes: Counter[str] = Counter()
    per_format: Counter[str] = Counter()
    crashes: list[dict] = []
    slowest = (0.0, "")
    ways = ["flip", "insert", "delete", "duplicate", "truncate", "splice"]

    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck), derandomize=False)
    @given(st.sampled_from(formats), st.integers(0, 10**6), st.sampled_from(ways), st.integers(0, 2**32 - 1), st.booleans())
    def one(fmt: str, pick: int, how: str, salt: int, inside: bool) -> None:
        nonlocal slowest
        rng = random.Random(salt ^ seed)
        name, data = docs[by_format[fmt][pick % len(by_format[fmt])]]
        per_format[fmt] += 1
        other = docs[rng.randrange(len(docs))][1]
        docx = name.endswith(".docx") and inside
        try:
            damaged = mutate_docx(data, how, rng, other) if docx else mutate(data, how, rng, other)
        except zipfile.BadZipFile:
            damaged = mutate(data, how, rng, other)
        what = f"{name} {how}{' in document.xml' if docx else ''} salt={salt}"
        start = time.monotonic()
        try:
            extract(damaged, name=Path(name).name, limits=LIMITS)
            outcomes["Report"] += 1
        except InternalError as exc:
            outcomes["InternalError"] += 1
            crashes.append({"input": what, "error": f"{type(exc.__cause__).__name__}: {exc}"})
        except GiarError as exc:
            outcomes[type(exc).__name__] += 1
        except Exception as exc:  # a crash: what the issue forbids
            outcomes["crash"] += 1
            crashes.append({"input": what, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-800:]})
        took = time.monotonic() - start
        if took > slowest[0]:
            slowest = (took, what)

    start = time.monotonic()
    one()
    report["bytes"] = {
        "inputs": sum(outcomes.values()),
        "seed_documents": {f: len(v) for f, v in sorted(by_format.items())},
        "inputs_per_format": dict(sorted(per_format.items())),
        "crashes": len(crashes),
        "outcomes": dict(outcomes.most_common()),
        "seconds": round(time.monotonic() - start, 1),
        "slowest_input": {"seconds": round(slowest[0], 2), "input": slowest[1]},
        "crash_examples": crashes[:10],
    }


def run_perturbed(count: int, seed: int, report: dict) -> None:
    from giar.score import compare
    from giar.status import FindingKind
    from perturb import GOLDS, OPS, make, provenance_problems

    counts: Counter[str] = Counter()
    problems: list[dict] = []

    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(
        st.integers(0, len(GOLDS) - 1),
        st.integers(2, 16),
        st.sampled_from(["tabs", "spaces"]),
        st.lists(st.sampled_from(OPS), min_size=1, max_size=4),
        st.integers(0, 2**32 - 1),
    )
    def one(index: int, width: int, layout: str, ops: list[str], salt: int) -> None:
        rng = random.Random(salt ^ seed)
        v = make(index, width, layout, ops, lambda lo, hi: rng.randint(lo, max(lo, hi)))
        counts["inputs"] += 1
        what = {"gold": v.name, "width": width, "layout": layout, "ops": v.ops, "salt": salt}
        try:
            t = trace(v.text, name=v.name, limits=LIMITS)
        except GiarError as exc:
            counts["crash" if isinstance(exc, InternalError) else type(exc).__name__] += 1
            if isinstance(exc, InternalError):
                problems.append({**what, "crash": str(exc)})
            return
        except Exception as exc:
            counts["crash"] += 1
            problems.append({**what, "crash": f"{type(exc).__name__}: {exc}"})
            return
        r = t.report
        bad = provenance_problems(r, t.document.text)
        if bad:
            counts["provenance_violations"] += 1
            problems.append({**what, "provenance": bad[:3]})
        holds = not any(f.kind is FindingKind.ARITHMETIC for f in r.findings)
        if holds and v.numbers_kept:
            counts["checked_against_gold"] += 1
            score = compare(r, v.expected())
            wrong = [
                (f.key, f.gold, f.got)
                for f in score.fields
                if f.status == "wrong"
                and not f.key.startswith("meta.")
                and not (f.gold is None and f.key.rsplit(".", 1)[0] in v.dropped and r.provenance[f.key].method == "inferred")
            ]
            counts["cells_correct"] += sum(1 for f in score.fields if f.status == "correct" and not f.key.startswith("meta."))
            counts["cells_null"] += sum(1 for f in score.fields if f.status == "missing" and not f.key.startswith("meta."))
            if wrong:
                both = {"drop_row", "duplicate_row"} <= set(v.ops)  # a known matcher issue: see tests/test_properties.py
                counts["wrong_values_drop_and_duplicate" if both else "wrong_values"] += len(wrong)
                counts["variants_wrong_drop_and_duplicate" if both else "variants_wrong"] += 1
                problems.append({**what, "wrong": wrong[:3]})

    start = time.monotonic()
    one()
    report["perturbed"] = {
        **{
            k: counts.get(k, 0)
            for k in (
                "inputs", "crash", "provenance_violations", "checked_against_gold", "cells_correct", "cells_null",
                "variants_wrong", "wrong_values", "variants_wrong_drop_and_duplicate", "wrong_values_drop_and_duplicate",
            )
        },
        "seconds": round(time.monotonic() - start, 1),
        "problems": problems[:10],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bytes", type=int, default=3000, help="byte-level inputs to try")
    ap.add_argument("--perturbed", type=int, default=3000, help="perturbed-fixture inputs to try")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "fuzz.json"))
    args = ap.parse_args()
    import logging

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # thousands of warnings on damaged PDFs
    report: dict = {"seed": args.seed}
    if args.bytes:
        run_bytes(args.bytes, args.seed, report)
    if args.perturbed:
        run_perturbed(args.perturbed, args.seed, report)
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: ({kk: vv for kk, vv in v.items() if kk not in ("crash_examples", "problems")} if isinstance(v, dict) else v) for k, v in report.items()}, ensure_ascii=False, indent=1))
    crashes = report.get("bytes", {}).get("crashes", 0) + report.get("perturbed", {}).get("crash", 0)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
