"""Did a change alter any output? Dump every report the rules give on a fixed document set, then compare.

    python benchmarks/same_outputs.py --out .tmp/base          # before the change
    python benchmarks/same_outputs.py --against .tmp/base      # after: prints what differs, exits 1 if anything

A speed-up must leave every output byte-identical (values, provenance spans and order, findings, statuses,
table reports). The set: every document under tests/fixtures (seeds, corpus incl. HTML/PDF/markdown, hard,
regressions, constructed), the adversarial cases of tests/adversarial.py in text, HTML and DOCX, and
``--perturbed`` seeded variants of tests/perturb.py (wrapped labels, dropped/duplicated rows, swapped digits,
furniture, cells run together). A document giar refuses is recorded by its error type and message.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from giar import extract  # noqa: E402
from giar.errors import GiarError  # noqa: E402

SKIP = {"README.md", "SOURCES.md"}


def fixture_docs() -> Iterator[tuple[str, Any]]:
    base = ROOT / "tests" / "fixtures"
    for p in sorted(base.rglob("*")):
        if p.is_file() and p.suffix != ".json" and p.name not in SKIP:
            yield "fixtures__" + str(p.relative_to(base)).replace("/", "__"), p


def adversarial_docs(cache: Path, fmts: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """Rendered once into ``cache`` and reused: rendering DOCX is slow, and its zip stamps the time (the
    report's content hash would differ between renderings)."""
    import adversarial

    for case in adversarial.cases():
        for fmt in fmts:
            stem = case.name.replace("/", "__")
            done = [p for p in cache.glob(f"{stem}.*") if p.suffix == {"text": ".txt"}.get(fmt, "." + fmt)]
            path = done[0] if done else adversarial.render(case, fmt, cache)
            yield f"adversarial__{fmt}__{case.cls}__{stem}", path


def _draw(rng: random.Random):
    return lambda lo, hi: rng.randint(lo, max(lo, hi))


def perturbed_docs(count: int, seed: int) -> Iterator[tuple[str, Any]]:
    from perturb import GOLDS, OPS, make

    rng = random.Random(seed)
    for k in range(count):
        index, width, layout = rng.randrange(len(GOLDS)), rng.randint(2, 16), rng.choice(["tabs", "spaces"])
        ops = [rng.choice(OPS) for _ in range(rng.randint(1, 4))]
        v = make(index, width, layout, ops, _draw(random.Random(rng.getrandbits(32))))
        yield f"perturbed__{k:04d}", v.text


def output(source: Any, name: str) -> str:
    try:
        data: Any = extract(source, name=name).model_dump(mode="json")
    except GiarError as exc:
        data = {"error": type(exc).__name__, "message": str(exc)}
    return json.dumps(data, ensure_ascii=False, indent=1)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, help="write the outputs here (one JSON file per document)")
    ap.add_argument("--against", type=Path, help="compare with the outputs written earlier with --out")
    ap.add_argument("--perturbed", type=int, default=400)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--formats", default="text,html,docx", help="formats of the adversarial cases")
    ap.add_argument("--docs", type=Path, default=ROOT / ".tmp" / "same_outputs_docs", help="rendered cases, kept")
    args = ap.parse_args()
    if not args.out and not args.against:
        ap.error("give --out or --against")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    seen = same = 0
    differ: list[str] = []
    missing: list[str] = []
    args.docs.mkdir(parents=True, exist_ok=True)
    docs = [
        *fixture_docs(),
        *adversarial_docs(args.docs, tuple(f for f in args.formats.split(",") if f)),
        *perturbed_docs(args.perturbed, args.seed),
    ]
    for name, source in docs:
        got = output(source, name)
        seen += 1
        if args.out:
            (args.out / f"{name}.json").write_text(got, encoding="utf-8")
        if args.against:
            want = args.against / f"{name}.json"
            if not want.exists():
                missing.append(name)
            elif want.read_text(encoding="utf-8") == got:
                same += 1
            else:
                differ.append(name)
    print(f"{seen} documents in {time.monotonic() - t0:.1f} s", end="")
    if args.against:
        print(f": {same} identical, {len(differ)} differ, {len(missing)} not in {args.against}")
        for name in differ[:20]:
            print("  differs:", name)
        for name in missing[:5]:
            print("  missing:", name)
        return 1 if differ or missing else 0
    print(f", written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
