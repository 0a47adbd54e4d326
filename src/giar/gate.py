"""The OCR gate: numbers read by OCR are kept only where the reading itself is sure (issue 17).

A text layer says what was printed; OCR says what it thinks it saw. So for values whose text came from OCR (a
run with a confidence, :attr:`giar.model.TextRun.confidence`), before the arithmetic is checked or inferred:

1. **Unsure.** A number recognised with less confidence than ``OcrSettings.min_confidence`` is null, with a
   finding (its cell gets :attr:`RowStatus.OCR_UNSURE`; the arithmetic may then fill it, as SCHEMA allows).
2. **Broken.** A row whose OCR'd values break a rule of its own (a row's total, rule 2; a review group's,
   rule 4) is null, every number of it: the reader cannot tell a misread from the source's error, so unlike a
   text layer it does not keep them (:attr:`RowStatus.OCR_BROKEN`). A column rule (rules 1 and 3) broken while
   every row in it adds up is the source's own error, not a misread, and is reported as for a text layer: one
   misread number breaks its own row's rule (every row of 三 and every group of 四 has one), so only two
   misreads in one row that cancel out could break a column alone.
   A positive number in a signed column (本年增/减, 2019 template) is null too: a minus is a short stroke OCR
   drops, and no rule checks a sign.
3. **Doubtful.** A broken row that holds digits OCR confuses (0/6/8, 1/7) is :attr:`RowStatus.OCR_DOUBTFUL`:
   null, and frozen, so the arithmetic does not fill it back either.

Values a person corrected, or that came from a text layer (a mixed PDF's text pages), pass as they are.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING, Optional

from .model import Document, Finding, TextRun
from .status import FindingKind, RowStatus
from .template import TEMPLATES, TemplateName
from .validate import broken

if TYPE_CHECKING:
    from .pipeline import Cells
    from .read.ocr import OcrSettings

_ROW_RULES = ("rule2:", "rule4:")
CONFUSABLE_DIGITS = frozenset("01678")  # 0/6/8 and 1/7: what OCR mistakes for one another


def ocr_runs(doc: Document) -> bool:
    return any(r.confidence is not None for r in doc.runs)


def run_at(doc: Document, start: int, starts: Optional[list[int]] = None) -> Optional[TextRun]:
    starts = starts if starts is not None else [r.start for r in doc.runs]
    i = bisect_right(starts, start) - 1
    if i >= 0 and doc.runs[i].start <= start < doc.runs[i].end:
        return doc.runs[i]
    return None


def confidences(cells: Cells, doc: Document) -> dict[str, float]:
    """The OCR confidence of every value read from OCR'd text, by key."""
    starts = [r.start for r in doc.runs]
    out: dict[str, float] = {}
    for key, p in cells.prov.items():
        span = p.get("span")
        if span is None or p.get("method", "rules") != "rules" or cells.values.get(key) is None:
            continue
        run = run_at(doc, span[0], starts)
        if run is not None and run.confidence is not None:
            out[key] = run.confidence
    return out


def _row(key: str) -> str:
    return key.rsplit(".", 1)[0]


def _null(cells: Cells, keys: Iterable[str]) -> None:
    for k in keys:
        cells.values[k] = None
        cells.prov.pop(k, None)


def gate(cells: Cells, doc: Document, template: TemplateName, settings: OcrSettings) -> list[Finding]:
    """Null the OCR'd values the reading cannot vouch for; a finding for each cell or row nulled."""
    conf = confidences(cells, doc)
    if not conf:
        return []
    findings: list[Finding] = []
    # 1. unsure numbers
    for key, c in sorted(conf.items()):
        if c < settings.min_confidence:
            text = cells.prov[key].get("text", "")
            findings.append(_unsure(cells, key, f"{key}: OCR read {text!r} with confidence {c:.2f}, below "
                                                f"{settings.min_confidence:.2f}; left null"))
    # 1b. a signed column (本年增/减) read without a minus: a minus is a short stroke OCR drops, and no rule checks
    # the sign, so a positive number there is unverified
    for key in sorted(conf):
        value = cells.values.get(key)
        if value is not None and value > 0 and _signed(template, key):
            findings.append(_unsure(cells, key, f"{key}: OCR read {value} with no sign in a column of increases "
                                                "and decreases; a minus is easily lost in OCR and no rule checks "
                                                "it, so it is left null"))
    # 2. rows that break their own rule (a column rule broken alone is the source's: see the module's note)
    doubted: dict[str, str] = {}  # row -> the rule it broke
    for f in broken(cells.values, template):
        if f.rule and f.rule.startswith(_ROW_RULES) and f.key:
            doubted.setdefault(f.key, f.rule)
    texts = {k: cells.prov.get(k, {}).get("text", "") for k in conf}
    _null_rows(cells, doubted, conf, texts)
    for row, rule_name in doubted.items():
        status = cells.status[row]
        why = " and holds digits OCR confuses (0/6/8, 1/7)" if status is RowStatus.OCR_DOUBTFUL else ""
        findings.append(Finding(
            kind=FindingKind.OCR, key=row, rule=rule_name,
            message=f"{row}: its OCR'd numbers break {rule_name}{why}; a misread cannot be told from the source's "
            "error, so the row is left null",
        ))
    return findings


def _unsure(cells: Cells, key: str, message: str) -> Finding:
    """Null one value the OCR cannot vouch for, and say why."""
    _null(cells, [key])
    cells.status[key] = RowStatus.OCR_UNSURE
    return Finding(kind=FindingKind.OCR, key=key, message=message)


def _signed(template: TemplateName, key: str) -> bool:
    table, row, col = key.split(".")
    spec = TEMPLATES[template].tables.get(table)
    if spec is None:
        return False
    try:
        columns = spec.row(row).columns
    except KeyError:
        return False
    return any(c.key == col and c.kind == "signed" for c in columns)


def _null_rows(cells: Cells, rows: dict[str, str], conf: dict[str, float], texts: dict[str, str]) -> None:
    for row in rows:
        keys = [k for k in conf if _row(k) == row]
        confusable = any(ch in CONFUSABLE_DIGITS for k in keys for ch in texts.get(k, ""))
        cells.status[row] = RowStatus.OCR_DOUBTFUL if confusable else RowStatus.OCR_BROKEN
        _null(cells, keys)
