"""One chat completion through instructor, with transport retries kept apart from validation re-asks.

Two loops, never mixed:

* transport (tenacity, here): a 429, a 5xx, a timeout or a lost connection is retried with exponential backoff
  and jitter (or the server's Retry-After), for at most ``max_retries`` retries; the same request is sent
  again, nothing is re-asked. All requests of one repair share a deadline of ``max_elapsed`` seconds: no
  request starts, and no request runs, past it.
* validation (instructor's ``max_retries``): an answer that fails the response model is re-asked with the
  validation error, for at most ``validation_retries`` re-asks. Only parse and validation errors enter it.

Each HTTP request runs under a whole-request bound (:func:`bounded`): a server that never answers, or drips its
answer a byte at a time (an httpx timeout is per read, so it never fires), is given up at the deadline, not after
it. A 200 answer that is no chat completion (a proxy's HTML page, a body that is not JSON) raises
:class:`BadResponse` instead of reaching instructor.

Every HTTP request passes through :class:`Meter`, which counts it and adds the usage the server reported, so
usage covers every attempt of both loops. An answer cut at the token limit (finish_reason "length") raises
:class:`Truncated`: re-sending the same prompt would be cut again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from json import JSONDecodeError
from typing import Any, Optional

import httpx
import instructor
import openai
from openai import OpenAI
from pydantic import BaseModel, ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from ..model import Usage
from .config import LLMConfig

MODES = {"json": instructor.Mode.JSON, "tools": instructor.Mode.TOOLS}


class OutOfTime(Exception):
    """The repair's time budget (``max_elapsed``) ran out before a request could be sent."""


class BadResponse(Exception):
    """The endpoint answered, but not with a chat completion (not JSON, or JSON of another shape)."""


class Truncated(Exception):
    """The server stopped the answer at its token limit."""

    def __init__(self, completion: Any):
        self.completion = completion
        super().__init__("answer truncated at the token limit (finish_reason 'length')")


@dataclass
class Meter:
    """Counts every HTTP request of one repair and sums the token usage the server reported."""

    model: Optional[str] = None
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    started: float = field(default_factory=time.perf_counter)

    def add(self, completion: Any) -> None:
        usage = getattr(completion, "usage", None)
        if usage is not None:
            self.prompt_tokens += usage.prompt_tokens or 0
            self.completion_tokens += usage.completion_tokens or 0

    def usage(self) -> Usage:
        return Usage(
            calls=self.calls,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            seconds=round(time.perf_counter() - self.started, 3),
            model=self.model,
        )


def transient(exc: BaseException) -> bool:
    """Failures worth sending the same request again: rate limit, server error, timeout, lost connection."""
    if isinstance(exc, (openai.RateLimitError, openai.APIConnectionError)):  # APITimeoutError is a connection error
        return True
    return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500


def _retry_after(exc: BaseException) -> Optional[float]:
    response = getattr(exc, "response", None)
    raw = response.headers.get("retry-after") if response is not None else None
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


class _PastDeadline(stop_base):
    """Stop when the next wait would end past the repair's deadline."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return time.monotonic() + (retry_state.upcoming_sleep or 0.0) >= self.deadline


def transport_retrying(cfg: LLMConfig, deadline: float) -> Retrying:
    """Backoff for one HTTP request: bounded attempts, and never past the repair's deadline."""
    try:  # tenacity >= 9.1 names the first wait 'multiplier'; older releases call it 'initial'
        backoff = wait_exponential_jitter(multiplier=cfg.wait_initial, max=cfg.wait_max, jitter=cfg.wait_jitter)
    except TypeError:
        backoff = wait_exponential_jitter(initial=cfg.wait_initial, max=cfg.wait_max, jitter=cfg.wait_jitter)

    def wait(state) -> float:
        hint = _retry_after(state.outcome.exception())
        return min(hint, cfg.wait_max) if hint is not None else backoff(state)

    return Retrying(
        retry=retry_if_exception(transient),
        wait=wait,
        stop=stop_after_attempt(cfg.max_retries + 1) | _PastDeadline(deadline),
        reraise=True,
    )


def validation_retrying(cfg: LLMConfig) -> Retrying:
    """instructor's re-ask loop, limited to parse and validation errors (transport errors pass straight out)."""
    return Retrying(
        stop=stop_after_attempt(cfg.validation_retries + 1),
        retry=retry_if_exception_type((ValidationError, JSONDecodeError)),
    )


class Stuck(Exception):
    """One request did not complete within its bound."""


def bounded(call: Callable[[], Any], seconds: float) -> Any:
    """``call()``, given up after ``seconds`` of wall time however the server behaves: it runs in a daemon
    thread; past the bound :class:`Stuck` is raised and the thread's result, whenever it ends, is dropped."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as e:  # handed to the caller's thread
            box["error"] = e

    worker = threading.Thread(target=run, daemon=True, name="giar-llm-request")
    worker.start()
    worker.join(max(0.0, seconds))
    if worker.is_alive():
        raise Stuck(f"no complete answer within {seconds:.1f} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def sender(cfg: LLMConfig, meter: Meter, client: OpenAI, deadline: Optional[float] = None) -> Callable[..., Any]:
    """The raw chat-completion call wrapped in transport retries, a whole-request time bound and metering."""
    raw = client.chat.completions.create
    deadline = time.monotonic() + cfg.max_elapsed if deadline is None else deadline

    def send(*args: Any, **kwargs: Any) -> Any:
        for attempt in transport_retrying(cfg, deadline):
            with attempt:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise OutOfTime(f"time budget of {cfg.max_elapsed:g} s spent")
                meter.calls += 1
                limit = min(cfg.timeout, left)
                try:
                    completion = bounded(partial(raw, *args, **{**kwargs, "timeout": limit}), limit)
                except Stuck as e:
                    if limit >= left:  # the budget is spent: close the connection, end the repair
                        client.close()
                        raise OutOfTime(f"{e}: the time budget of {cfg.max_elapsed:g} s is spent") from None
                    url = f"{str(client.base_url).rstrip('/')}/chat/completions"
                    raise openai.APITimeoutError(request=httpx.Request("POST", url)) from None  # retried
        if not isinstance(getattr(completion, "choices", None), list):
            shown = " ".join(str(completion).split())[:120]
            raise BadResponse(f"the endpoint answered with no chat completion ({type(completion).__name__}: {shown!r})")
        meter.add(completion)
        choices = completion.choices
        if choices and choices[0].finish_reason == "length":
            raise Truncated(completion)
        return completion

    return send


def ask(
    cfg: LLMConfig,
    meter: Meter,
    messages: list[dict],
    response_model: type[BaseModel],
    deadline: Optional[float] = None,
) -> BaseModel:
    """One structured answer: synchronous, non-streaming, temperature 0."""
    kwargs: dict[str, Any] = {"model": cfg.model, "messages": messages, "temperature": 0, "stream": False}
    if cfg.max_tokens:
        kwargs["max_tokens"] = cfg.max_tokens
    # The SDK's own retries are off (max_retries=0): transport retries are ours, in sender().
    with OpenAI(base_url=cfg.base_url, api_key=cfg.api_key, timeout=cfg.timeout, max_retries=0) as client:
        create = instructor.patch(create=sender(cfg, meter, client, deadline), mode=MODES[cfg.mode])
        return create(response_model=response_model, max_retries=validation_retrying(cfg), **kwargs)
