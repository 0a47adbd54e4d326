"""``giar bench``: run each path (rules, llm, hybrid) over hand-labeled fixtures and compare them side by side.

A fixture is a document beside a ``.gold.json`` (tests/fixtures/README.md). Accuracy comes from
:mod:`giar.score`; speed and peak memory are measured in the same run, per path.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Optional

from ..model import Report
from ..score import Counts, DocScore, compare, load_gold
from ..status import FindingKind
from ..template import TABLES

PathFn = Callable[[Path], Report]


def find_fixtures(targets: list[str]) -> list[tuple[Path, Path]]:
    """(document, gold) pairs under the given folders or gold files, sorted."""
    golds: list[Path] = []
    for t in targets:
        p = Path(t)
        if p.is_dir():
            golds.extend(sorted(p.rglob("*.gold.json")))
        elif p.name.endswith(".gold.json"):
            golds.append(p)
        else:
            raise SystemExit(f"giar bench: {t} is neither a folder nor a .gold.json file")
    pairs = []
    for g in golds:
        stem = g.name[: -len(".gold.json")]
        docs = [d for d in g.parent.glob(stem + ".*") if not d.name.endswith(".gold.json")]
        if len(docs) != 1:
            raise SystemExit(f"giar bench: expected one document beside {g}, found {len(docs)}")
        pairs.append((docs[0], g))
    return pairs


@dataclass
class PathResult:
    path: str
    docs: list[DocScore] = field(default_factory=list)
    tables: dict[str, Counts] = field(default_factory=dict)
    overall: Counts = field(default_factory=Counts)
    fully_correct: int = 0
    rules_pass: int = 0
    failures: list[str] = field(default_factory=list)
    unrecorded: int = 0
    llm_calls: int = 0
    tokens: int = 0
    seconds: float = 0.0
    peak_mib: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        n = max(1, len(self.docs))
        return {
            "path": self.path,
            "documents": len(self.docs),
            "overall": self.overall.model_dump(),
            "tables": {k: v.model_dump() for k, v in self.tables.items()},
            "fully_correct": self.fully_correct,
            "rules_pass": self.rules_pass,
            "failures": self.failures,
            "llm_calls_per_doc": self.llm_calls / n,
            "tokens_per_doc": self.tokens / n,
            "seconds_per_doc": self.seconds / n,
            "docs_per_second": len(self.docs) / self.seconds if self.seconds else None,
            "peak_mib": round(self.peak_mib, 1),
            "per_document": [
                {
                    "name": d.name,
                    **d.overall.model_dump(),
                    "meta": d.meta.model_dump(),
                    "errors": [f.model_dump() for f in d.errors()],
                }
                for d in self.docs
            ],
        }


def run_path(name: str, fn: PathFn, fixtures: list[tuple[Path, Path]]) -> PathResult:
    res = PathResult(path=name)
    t0 = time.perf_counter()
    for doc, gold in fixtures:
        label = f"{doc.parent.name}/{doc.name}"
        try:
            report = fn(doc)
        except Exception as exc:
            res.failures.append(f"{label}: {type(exc).__name__}: {exc}")
            report = Report(source=str(doc))
        score = compare(report, load_gold(gold), label)
        res.docs.append(score)
        for t, c in score.tables.items():
            res.tables.setdefault(t, Counts()).add(c)
        res.overall.add(score.overall)
        res.fully_correct += score.fully_correct
        res.rules_pass += score.rules_pass
        res.llm_calls += report.usage.calls
        res.unrecorded += any(f.kind is FindingKind.NOT_RECORDED for f in report.findings)
        res.tokens += report.usage.prompt_tokens + report.usage.completion_tokens
    res.seconds = time.perf_counter() - t0
    # memory in a second pass: tracing allocations slows Python several times, so it must not be timed
    tracemalloc.start()
    for doc, _ in fixtures:
        try:
            fn(doc)
        except Exception:
            pass
    res.peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return res


def path_functions(live: bool) -> dict[str, PathFn]:
    """rules: the rule path alone. llm: every table sent to the LLM. hybrid: only tables the rules left
    inconsistent or incomplete. Without --live the LLM answers are replayed from cassettes/
    (``pipeline_<folder>_<stem>.yaml`` per fixture); a fixture without a recording runs rules only and says so."""
    from ..pipeline import extract

    fns: dict[str, PathFn] = {"rules": lambda p: extract(p)}
    if live:
        from ..repair import LLMConfig

        cfg = LLMConfig.from_env()
        if cfg is None:
            raise SystemExit("giar bench --live: set GIAR_LLM_BASE_URL and GIAR_LLM_MODEL (see README)")
        fns["llm"] = lambda p: extract(p, llm=cfg, force_llm=True)
        fns["hybrid"] = lambda p: extract(p, llm=cfg)
        return fns
    fns["llm"] = lambda p: _replayed(p, force=True)
    fns["hybrid"] = lambda p: _replayed(p, force=False)
    return fns


def _replayed(doc: Path, force: bool) -> Report:
    from ..model import Finding
    from ..pipeline import extract
    from ..repair import LLMConfig
    from .replay import CASSETTES, MODEL, REPLAY_URL, recorder

    name = f"pipeline_{doc.parent.name}_{doc.stem}.yaml"
    if not (CASSETTES / name).exists():
        report = extract(doc)
        report.findings.append(Finding(kind=FindingKind.NOT_RECORDED, stage="llm", message=f"no recorded LLM exchange ({name}): rules only"))
        return report
    cfg = LLMConfig(base_url=REPLAY_URL, model=MODEL, api_key="replay", cache_path=None, max_retries=0, max_elapsed=10)
    with recorder("none").use_cassette(name, allow_playback_repeats=True):
        return extract(doc, llm=cfg, force_llm=force)


def render(results: list[PathResult]) -> str:
    """The side-by-side comparison as markdown (also what the terminal table shows)."""
    rows: list[tuple[str, Callable[[PathResult], str]]] = [
        ("documents", lambda r: str(len(r.docs))),
        ("fields correct", lambda r: str(r.overall.correct)),
        ("fields wrong", lambda r: str(r.overall.wrong)),
        ("fields missing", lambda r: str(r.overall.missing)),
        ("  of correct: inferred", lambda r: str(r.overall.inferred)),
        ("meta fields correct", lambda r: f"{sum(d.meta.correct for d in r.docs)}/{sum(d.meta.total for d in r.docs)}"),
        ("organization correct (documents)", lambda r: f"{sum(_org_ok(d) for d in r.docs)}/{len(r.docs)}"),
        ("documents fully correct", lambda r: f"{r.fully_correct}/{len(r.docs)}"),
        ("reports passing every rule", lambda r: f"{r.rules_pass}/{len(r.docs)}"),
        ("LLM calls / doc", lambda r: f"{r.llm_calls / max(1, len(r.docs)):.2f}"),
        ("tokens / doc", lambda r: f"{r.tokens / max(1, len(r.docs)):.0f}"),
        ("seconds / doc", lambda r: f"{r.seconds / max(1, len(r.docs)):.4f}"),
        ("docs / second", lambda r: f"{len(r.docs) / r.seconds:.1f}" if r.seconds else "-"),
        ("peak memory (MiB, Python heap)", lambda r: f"{r.peak_mib:.1f}"),
        ("documents that failed", lambda r: str(len(r.failures))),
        ("documents without LLM recording", lambda r: str(r.unrecorded)),
    ]
    for t in TABLES:
        rows.append((f"{t}: correct/wrong/missing", partial(_table_ctm, t)))
    head = "| measure | " + " | ".join(r.path for r in results) + " |"
    sep = "|---|" + "---|" * len(results)
    body = ["| " + label + " | " + " | ".join(f(r) for r in results) + " |" for label, f in rows]
    return "\n".join([head, sep, *body])


def _org_ok(d: DocScore) -> bool:
    return any(f.key == "meta.organization" and f.status == "correct" for f in d.fields)


def render_documents(results: list[PathResult]) -> str:
    """Per document and path: fields correct/wrong/missing, and the organization as read (✓ where it is the
    gold's)."""
    lines = ["| document | path | correct/wrong/missing | organization |", "|---|---|---|---|"]
    for r in results:
        for d in r.docs:
            o = d.overall
            org = next((f for f in d.fields if f.key == "meta.organization"), None)
            shown = "✓" if org and org.status == "correct" else f"✗ {org.got if org else None}"
            lines.append(f"| {d.name} | {r.path} | {o.correct}/{o.wrong}/{o.missing} | {shown} |")
    return "\n".join(lines)


def _table_ctm(table: str, r: PathResult) -> str:
    return _ctm(r.tables.get(table))


def _ctm(c: Optional[Counts]) -> str:
    return f"{c.correct}/{c.wrong}/{c.missing}" if c else "-"


def print_table(results: list[PathResult]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="giar bench: fields scored against hand-labeled gold")
    md = render(results).splitlines()
    for col in md[0].strip("|").split("|"):
        table.add_column(col.strip(), justify="right")
    for line in md[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        style = "bold red" if cells[0] == "fields wrong" and any(c not in ("0",) for c in cells[1:]) else None
        table.add_row(*cells, style=style)
    Console().print(table)
    for r in results:
        for d in r.docs:
            errs = d.errors()
            if errs:
                shown = ", ".join(f"{e.key} gold={e.gold} got={e.got}" for e in errs[:4])
                more = f" (+{len(errs) - 4} more)" if len(errs) > 4 else ""
                Console().print(f"[{r.path}] {d.name}: {len(errs)} not correct: {shown}{more}", highlight=False)
        for f in r.failures:
            Console().print(f"[{r.path}] failed: {f}", style="red", highlight=False)


def run_bench(args: Any) -> int:
    fixtures = find_fixtures(args.fixtures)
    if not fixtures:
        print("giar bench: no fixtures (a document beside a .gold.json) found")
        return 2
    fns = path_functions(args.live)
    wanted = [p.strip() for p in args.paths.split(",") if p.strip()]
    unknown = [p for p in wanted if p not in fns]
    if unknown:
        print(f"giar bench: path(s) not available: {', '.join(unknown)} (available: {', '.join(fns)})")
        wanted = [p for p in wanted if p in fns]
    results = [run_path(p, fns[p], fixtures) for p in wanted]
    print_table(results)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(
        json.dumps({"fixtures": len(fixtures), "paths": [r.as_dict() for r in results]}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    (out / "bench.md").write_text(
        f"# giar bench\n\n{len(fixtures)} fixtures.\n\n{render(results)}\n\n## Per document\n\n"
        f"{render_documents(results)}\n",
        encoding="utf-8",
    )
    print(f"wrote {out / 'bench.json'} and {out / 'bench.md'}")
    return 0
