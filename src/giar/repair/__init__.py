"""The LLM fallback: repair ONE table the rules could not make consistent, or say why not.

The model answers with token ids placed on the template's cells (``schema``), so every value is a number the
reader found, with its span. An answer that places nothing, or whose cells break an arithmetic rule the rules'
reading did not already break (``RepairRequest.broken``: the source's own), is rejected whole with a finding;
what of an accepted answer enters the report is decided by ``giar.repair.merge`` against what the reader saw.

    from giar.repair import LLMConfig, repair_table, RepairCache
    cfg = LLMConfig.from_env()            # None when GIAR_LLM_BASE_URL / GIAR_LLM_MODEL are unset
    outcome = repair_table(request, cfg)  # RepairOutcome; never raises for a network or model failure
"""

from __future__ import annotations

from typing import Optional

import openai
from instructor.core import InstructorError, InstructorRetryException
from pydantic import ValidationError

from ..errors import GiarError
from ..model import Finding, RepairOutcome, RepairRequest, Usage
from ..status import FindingKind
from ..template import rules
from ..validate import broken, evaluate
from . import prompts
from .cache import RepairCache, cache_key
from .client import BadResponse, Meter, OutOfTime, Truncated, ask
from .config import LLMConfig
from .schema import TableAnswer, answer_model, place, schema_of

__all__ = ["PROMPT_NAME", "PROMPT_VERSION", "LLMConfig", "RepairCache", "repair_table"]

PROMPT_NAME = "repair_table"
PROMPT_VERSION = 2


def repair_table(
    request: RepairRequest,
    cfg: LLMConfig,
    cache: Optional[RepairCache] = None,
    deadline: Optional[float] = None,
) -> RepairOutcome:
    """Ask the model to place this table's tokens; accept the answer only if it breaks no rule the rules'
    reading did not already break.

    ``cache`` defaults to the one at ``cfg.cache_path`` (none if that is None). A cache hit makes no request and
    reports ``usage.cached == 1`` with zero calls and tokens. ``deadline`` (``time.monotonic()``) bounds every
    request, a whole document's repairs sharing one; by default it is ``cfg.max_elapsed`` from now.
    """
    if len({t.id for t in request.tokens}) != len(request.tokens):
        raise GiarError(f"token ids of the {request.table} request are not unique")
    prompt = prompts.load(PROMPT_NAME, PROMPT_VERSION)
    model = answer_model(request)
    key = cache_key(cfg, prompt, schema_of(model), request)
    cache = cache if cache is not None else RepairCache.for_config(cfg)
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit.model_copy(update={"usage": Usage(cached=1, model=cfg.model)})

    meter = Meter(model=cfg.model)
    if not request.tokens:
        return _failed(request, meter, "no printed numbers (tokens) were given for this table; nothing to place")
    try:
        answer = ask(cfg, meter, prompts.render(prompt, request), model, deadline)
    except Truncated:
        return _failed(
            request, meter, f"answer truncated at the token limit (max_tokens={cfg.max_tokens}); not re-asked"
        )
    except OutOfTime as e:
        return _failed(request, meter, f"{e} after {meter.calls} request(s); not sent again")
    except InstructorRetryException as e:
        return _failed(request, meter, f"answer still invalid after {e.n_attempts} attempt(s): {_last_error(e)}")
    except BadResponse as e:
        return _failed(request, meter, f"{e}; after {meter.calls} request(s)")
    except (openai.OpenAIError, InstructorError) as e:
        failure = f"request failed after {meter.calls} attempt(s): {type(e).__name__}: {_short(e)}"
        return _failed(request, meter, failure)

    outcome = judge(request, answer, meter.usage(), prompt.label)  # type: ignore[arg-type]
    if cache is not None:
        cache.put(key, outcome, prompt=prompt.label)
    return outcome


def judge(request: RepairRequest, answer: TableAnswer, usage: Usage, label: str) -> RepairOutcome:
    """The repair as one outcome: all cells of the table, or none of them with the reason."""
    values, provenance = place(request, answer, repairs=[f"llm:{label}"])
    filled = sum(v is not None for v in values.values())
    if filled == 0:
        return _rejected(request, usage, "the answer placed no token in any cell")
    wrong = [f for f in broken(values, request.template, tables={request.table}) if f.rule not in request.broken]
    if wrong:
        detail = "; ".join(f.message.replace(" (printed numbers kept)", "") for f in wrong[:5])
        detail += f"; … {len(wrong) - 5} more" if len(wrong) > 5 else ""
        return _rejected(request, usage, f"repair rejected whole: it breaks {len(wrong)} arithmetic rule(s): {detail}")
    table_rules = [r for r in rules(request.template) if r.lhs[0].split(".")[0] == request.table]
    checked = sum(evaluate(r, values) is not None for r in table_rules)
    message = (
        f"table repaired by the LLM ({usage.model}, {label}): {filled} of {len(values)} cells placed from printed "
        f"numbers, {len(values) - filled} left blank; {checked} of {len(table_rules)} arithmetic rules checked, "
        "none broken"
    )
    return RepairOutcome(
        accepted=True,
        values=values,
        provenance=provenance,
        usage=usage,
        findings=[Finding(kind=FindingKind.LLM, key=request.table, stage="llm", message=message)],
    )


def _rejected(request: RepairRequest, usage: Usage, message: str) -> RepairOutcome:
    return RepairOutcome(
        accepted=False, usage=usage, findings=[Finding(kind=FindingKind.LLM, key=request.table, stage="llm", message=message)]
    )


def _failed(request: RepairRequest, meter: Meter, message: str) -> RepairOutcome:
    return _rejected(request, meter.usage(), message)


def _last_error(e: InstructorRetryException) -> str:
    """What the last answer got wrong, in the validator's words (not instructor's whole transcript)."""
    attempts = getattr(e, "failed_attempts", None) or []
    last = attempts[-1].exception if attempts else e.__cause__ or e
    if isinstance(last, ValidationError):
        return _short("; ".join(f"{'.'.join(map(str, err['loc'])) or 'answer'}: {err['msg']}" for err in last.errors()))
    return _short(last)


def _short(e: object, limit: int = 400) -> str:
    text = " ".join(str(e).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
