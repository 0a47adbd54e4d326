"""``giar bench``: run each path (rules, llm, hybrid) over hand-labeled fixtures and compare them side by side.

A fixture is a document beside a ``.gold.json`` (tests/fixtures/README.md), or a document named in a folder's
``SOURCES.json`` with the gold it is scored against (the regression fixtures). Accuracy comes from
:mod:`giar.score`; speed and peak memory are measured in the same run, per path.

``--llm oracle`` and ``--llm adversarial[:KIND]`` run the LLM paths against simulated models
(:mod:`giar.testing.simulate`) served on 127.0.0.1 by a server the bench starts and stops, through the real
client. They are test doubles: the oracle's figures are the design's ceiling (what any model could add through
the merge), the adversary's its safety (wrong merged must be 0); neither is a model's accuracy.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Optional

from ..model import Report
from ..score import Counts, DocScore, compare, load_gold
from ..status import FindingKind
from ..template import TABLES

PathFn = Callable[[Path], Report]


def find_fixtures(targets: list[str]) -> list[tuple[Path, Path]]:
    """(document, gold) pairs under the given folders or gold files, sorted; a folder's SOURCES.json names
    documents scored against another fixture's gold (paths relative to the folder above it)."""
    golds: list[Path] = []
    pairs = []
    for t in targets:
        p = Path(t)
        if p.is_dir():
            golds.extend(sorted(p.rglob("*.gold.json")))
            for sources in sorted(p.rglob("SOURCES.json")):
                named = json.loads(sources.read_text(encoding="utf-8"))
                pairs += [(sources.parent / doc, sources.parent.parent / gold) for doc, gold in sorted(named.items())]
        elif p.name.endswith(".gold.json"):
            golds.append(p)
        else:
            raise SystemExit(f"giar bench: {t} is neither a folder nor a .gold.json file")
    for g in golds:
        stem = g.name[: -len(".gold.json")]
        docs = [d for d in g.parent.glob(stem + ".*") if not d.name.endswith(".gold.json")]
        if len(docs) != 1:
            raise SystemExit(f"giar bench: expected one document beside {g}, found {len(docs)}")
        pairs.append((docs[0], g))
    return sorted(pairs)


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
    prompt_tokens: int = 0
    seconds: float = 0.0
    peak_mib: Optional[float] = 0.0
    reports: list[Report] = field(default_factory=list)
    filled: int = 0  # fields null on the rules path that this path fills
    wrong_merged: int = 0  # fields this path changed from the rules path to a wrong number
    unfillable: list[str] = field(default_factory=list)  # oracle: cells it could not fill, and why

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
            "llm_calls": self.llm_calls,
            "llm_calls_per_doc": self.llm_calls / n,
            "tokens": self.tokens,
            "tokens_per_doc": self.tokens / n,
            "tokens_per_call": self.tokens / self.llm_calls if self.llm_calls else None,
            "filled_vs_rules": self.filled,
            "wrong_merged_vs_rules": self.wrong_merged,
            "unfillable": self.unfillable,
            "seconds_per_doc": self.seconds / n,
            "docs_per_second": len(self.docs) / self.seconds if self.seconds else None,
            "peak_mib": round(self.peak_mib, 1) if self.peak_mib is not None else None,
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


def run_path(name: str, fn: PathFn, fixtures: list[tuple[Path, Path]], memory: bool = True) -> PathResult:
    res = PathResult(path=name)
    t0 = time.perf_counter()
    for doc, gold in fixtures:
        label = f"{doc.parent.name}/{doc.name}"
        try:
            report = fn(doc)
        except Exception as exc:
            res.failures.append(f"{label}: {type(exc).__name__}: {exc}")
            report = Report(source=str(doc))
        res.reports.append(report)
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
        res.prompt_tokens += report.usage.prompt_tokens
    res.seconds = time.perf_counter() - t0
    if not memory:  # a path that calls a model: its second pass would only measure the model again
        res.peak_mib = None
        return res
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


def against_rules(res: PathResult, rules: PathResult) -> None:
    """Fields this path filled that the rules left null, and fields it changed to a wrong number."""
    for mine, base in zip(res.docs, rules.docs):
        before = {f.key: f for f in base.fields}
        for f in mine.fields:
            if f.key.startswith("meta.") or f.key not in before:
                continue
            b = before[f.key]
            if b.got is None and f.got is not None:
                res.filled += 1
            if f.status == "wrong" and f.got != b.got:
                res.wrong_merged += 1


def unfillable(res: PathResult, fixtures: list[tuple[Path, Path]]) -> list[str]:
    """Cells still null where the gold has a number, after the oracle: why no model could fill them."""
    from ..pipeline import trace
    from ..repair.reading import grid_tokens

    out = []
    for (doc, _), score in zip(fixtures, res.docs):
        missing = [f for f in score.fields if f.status == "missing" and not f.key.startswith("meta.")]
        if not missing:
            continue
        t = trace(doc)
        for f in missing:
            table = f.key.split(".")[0]
            taken = {tuple(p.span) for p in (t.report.provenance.values() if t.report else []) if p.span}
            free = [x for x in grid_tokens(t.grids.get(table))[0] if x.span not in taken and float(x.value) == float(f.gold)]
            why = (
                "its place is not determined by what the reader saw (no label, position or column) nor by an equation"
                if free
                else "no printed number of that value stands apart in the table's text (digits run together, or not printed)"
            )
            out.append(f"{score.name} {f.key} = {f.gold}: {why}")
    return out


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


def simulated_paths(spec: str, wanted: list[str], fixtures: list[tuple[Path, Path]], stack: ExitStack) -> dict[str, PathFn]:
    """Paths answered by simulated models (``oracle``, ``adversarial``, ``adversarial:KIND``), each behind its
    own local server, started here and stopped when ``stack`` closes."""
    from ..pipeline import extract
    from ..repair import LLMConfig
    from .simulate import KINDS, SimulatedModel

    def expand(one: str) -> list[str]:
        return [f"adversarial:{k}" for k in KINDS] if one == "adversarial" else [one]

    first, _, second = spec.partition("+")  # "A+B": two models, a cell merged only where both agree
    pairs = [(a, b) for a in expand(first) for b in (expand(second) if second else [""])]
    golds = {doc: load_gold(gold) for doc, gold in fixtures}
    servers: dict[str, tuple[SimulatedModel, LLMConfig]] = {}

    def served(name: str) -> tuple[SimulatedModel, LLMConfig]:
        if name not in servers:
            model = SimulatedModel(name)
            srv = stack.enter_context(model.serve())
            cfg = LLMConfig(
                base_url=srv.url, model=f"simulated-{name}", cache_path=None, max_retries=0, validation_retries=1,
                max_elapsed=30, timeout=10,
            )
            servers[name] = (model, cfg)
        return servers[name]

    fns: dict[str, PathFn] = {}
    for a, b in pairs:
        models = [served(a)] + ([served(b)] if b else [])
        cfg = models[0][1] if not b else replace(models[0][1], agree_with=models[1][1])

        def run(doc: Path, force: bool, models: list = models, cfg: LLMConfig = cfg) -> Report:
            with ExitStack() as each:
                for model, _ in models:
                    each.enter_context(model.document(golds[doc]))
                return extract(doc, llm=cfg, force_llm=force)

        for path in wanted:
            if path in ("llm", "hybrid"):
                fns[f"{path}({a}{'+' + b if b else ''})"] = partial(run, force=path == "llm")
    return fns


def render(results: list[PathResult]) -> str:
    """The side-by-side comparison as markdown (also what the terminal table shows)."""
    rows: list[tuple[str, Callable[[PathResult], str]]] = [
        ("documents", lambda r: str(len(r.docs))),
        ("fields correct", lambda r: str(r.overall.correct)),
        ("fields wrong", lambda r: str(r.overall.wrong)),
        ("fields missing", lambda r: str(r.overall.missing)),
        ("fields filled (vs rules)", lambda r: str(r.filled)),
        ("wrong merged (vs rules)", lambda r: str(r.wrong_merged)),
        ("LLM calls", lambda r: str(r.llm_calls)),
        ("tokens (prompt + completion)", lambda r: str(r.tokens)),
        ("tokens / call", lambda r: f"{r.tokens / r.llm_calls:.0f}" if r.llm_calls else "-"),
        ("  of correct: inferred", lambda r: str(r.overall.inferred)),
        ("meta fields correct", lambda r: f"{sum(d.meta.correct for d in r.docs)}/{sum(d.meta.total for d in r.docs)}"),
        ("organization correct (documents)", lambda r: f"{sum(_org_ok(d) for d in r.docs)}/{len(r.docs)}"),
        ("documents fully correct", lambda r: f"{r.fully_correct}/{len(r.docs)}"),
        ("reports passing every rule", lambda r: f"{r.rules_pass}/{len(r.docs)}"),
        ("LLM calls / doc", lambda r: f"{r.llm_calls / max(1, len(r.docs)):.2f}"),
        ("tokens / doc", lambda r: f"{r.tokens / max(1, len(r.docs)):.0f}"),
        ("seconds / doc", lambda r: f"{r.seconds / max(1, len(r.docs)):.4f}"),
        ("docs / second", lambda r: f"{len(r.docs) / r.seconds:.1f}" if r.seconds else "-"),
        ("peak memory (MiB, Python heap)", lambda r: f"{r.peak_mib:.1f}" if r.peak_mib is not None else "-"),
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
        alarm = cells[0] in ("fields wrong", "wrong merged (vs rules)")
        style = "bold red" if alarm and any(c not in ("0",) for c in cells[1:]) else None
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


DOUBLES = (
    "The oracle and adversarial models are test doubles served on 127.0.0.1, not models: the oracle's figures are "
    "the design's ceiling (what any model could add through the merge), the adversary's its safety (wrong merged "
    "must be 0). Neither is a model's accuracy."
)


def run_bench(args: Any) -> int:
    fixtures = find_fixtures(args.fixtures)
    if not fixtures:
        print("giar bench: no fixtures (a document beside a .gold.json) found")
        return 2
    spec = getattr(args, "llm", None)
    wanted = [p.strip() for p in args.paths.split(",") if p.strip()]
    with ExitStack() as stack:
        fns = path_functions(args.live)
        if spec:
            fns = {"rules": fns["rules"], **simulated_paths(spec, wanted, fixtures, stack)}
            wanted = [p for p in fns if p == "rules" or p.split("(")[0] in wanted]
        unknown = [p for p in wanted if p not in fns]
        if unknown:
            print(f"giar bench: path(s) not available: {', '.join(unknown)} (available: {', '.join(fns)})")
            wanted = [p for p in wanted if p in fns]
        results = [run_path(p, fns[p], fixtures, memory=not spec or p == "rules") for p in wanted]
    rules = next((r for r in results if r.path == "rules"), None)
    for r in results:
        if rules is not None and r is not rules:
            against_rules(r, rules)
        if r.path.startswith("hybrid(oracle") or r.path.startswith("llm(oracle"):
            r.unfillable = unfillable(r, fixtures)
    print_table(results)
    notes = _notes(results, spec)
    for line in notes:
        print(line)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(
        json.dumps({"fixtures": len(fixtures), "notes": notes, "paths": [r.as_dict() for r in results]}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    (out / "bench.md").write_text(
        f"# giar bench\n\n{len(fixtures)} fixtures.\n\n{render(results)}\n\n"
        + "".join(f"- {line}\n" for line in notes)
        + f"\n## Per document\n\n{render_documents(results)}\n",
        encoding="utf-8",
    )
    print(f"wrote {out / 'bench.json'} and {out / 'bench.md'}")
    return 0


def _notes(results: list[PathResult], spec: Optional[str]) -> list[str]:
    if not spec:
        return []
    from .tokens import METHOD

    out = [DOUBLES, f"Token counts: {METHOD}, counted by the local server over every message sent and answered."]
    for r in results:
        out += [f"{r.path}: not filled, and why: {u}" for u in r.unfillable]
    return out
