"""Settings of the LLM fallback, read from the environment in one place.

The fallback is off unless both an endpoint and a model are named: giar never calls a network service on its own.

Environment variables (``LLMConfig.from_env``):

======================  ====================================================================================
``GIAR_LLM_BASE_URL``   OpenAI-compatible endpoint, e.g. ``http://127.0.0.1:8080/v1`` (llama.cpp, vLLM,
                        Ollama) or ``https://api.openai.com/v1``. Unset: the LLM fallback is off.
``GIAR_LLM_MODEL``      model name sent with each request. Unset: the LLM fallback is off.
``GIAR_LLM_API_KEY``    bearer token; falls back to ``OPENAI_API_KEY``; local servers need none.
``GIAR_LLM_TIMEOUT``    seconds one HTTP request may take (default 60).
``GIAR_LLM_MAX_RETRIES``  transport retries of one request after a 429, a 5xx, a timeout or a lost connection,
                        with exponential backoff and jitter (default 3; 0 = no retry).
``GIAR_LLM_CACHE``      path of the SQLite answer cache (default ``~/.cache/giar/llm.sqlite``);
                        ``off`` disables it.
``GIAR_LLM_BUDGET_TOKENS``  a run's cap on tokens (prompt + answer) over all its documents
                        (``giar.repair.budget``); past it, tables stay as the rules read them. Unset: no cap.
``GIAR_LLM_CONCURRENCY``  a run's cap on requests in flight at once, across its processes (default: no cap).
``GIAR_LLM_AGREE_MODEL``  a second model asked the same repair (at ``GIAR_LLM_AGREE_BASE_URL``, default the same
                        endpoint): a cell is merged only where both answers cite the same printed number.
======================  ====================================================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Optional

from ..errors import ConfigError

DEFAULT_CACHE = "~/.cache/giar/llm.sqlite"
_OFF = {"off", "none", "no", "0", "false"}


@dataclass(frozen=True)
class LLMConfig:
    """Where to send a repair and how hard to try; every bound is explicit so a run cannot hang or loop."""

    base_url: str
    model: str
    api_key: str = field(default="not-needed", repr=False)  # the SDK insists on one; local servers ignore it
    timeout: float = 60.0  # seconds for one HTTP request
    max_retries: int = 3  # transport retries of one request (429, 5xx, timeout, connection)
    validation_retries: int = 2  # re-asks after an answer that fails the response model's validation
    max_elapsed: float = 180.0  # seconds all HTTP requests of one repair may take, re-asks and waits included
    wait_initial: float = 1.0  # first backoff wait; doubled each retry
    wait_max: float = 30.0  # cap of one wait (also caps a server's Retry-After)
    wait_jitter: float = 1.0  # random seconds added to each wait
    max_tokens: Optional[int] = 4096  # cap of one answer; a longer one is truncated and reported, never re-asked
    mode: Literal["json", "tools"] = "json"  # instructor mode: JSON works with any OpenAI-compatible server
    cache_path: Optional[str] = DEFAULT_CACHE  # None: no cache
    budget_tokens: Optional[int] = None  # a run's cap on tokens (giar.repair.budget); None: no cap
    max_concurrent: int = 0  # a run's cap on requests in flight at once; 0: no cap
    ledger: Optional[str] = None  # the run's budget ledger (set by Budget.attach)
    agree_with: Optional[LLMConfig] = None  # a second model: a cell is merged only where both answers agree

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> Optional[LLMConfig]:
        """The config the environment asks for, or None when no endpoint or model is set (LLM off)."""
        env = os.environ if env is None else env
        base_url = (env.get("GIAR_LLM_BASE_URL") or "").strip()
        model = (env.get("GIAR_LLM_MODEL") or "").strip()
        if not base_url or not model:
            return None
        kwargs: dict = {"base_url": base_url, "model": model}
        key = env.get("GIAR_LLM_API_KEY") or env.get("OPENAI_API_KEY")
        if key:
            kwargs["api_key"] = key
        if env.get("GIAR_LLM_TIMEOUT"):
            kwargs["timeout"] = _number(env, "GIAR_LLM_TIMEOUT", float)
        if env.get("GIAR_LLM_MAX_RETRIES"):
            kwargs["max_retries"] = _number(env, "GIAR_LLM_MAX_RETRIES", int)
        if env.get("GIAR_LLM_BUDGET_TOKENS"):
            kwargs["budget_tokens"] = _number(env, "GIAR_LLM_BUDGET_TOKENS", int)
        if env.get("GIAR_LLM_CONCURRENCY"):
            kwargs["max_concurrent"] = _number(env, "GIAR_LLM_CONCURRENCY", int)
        cache = env.get("GIAR_LLM_CACHE")
        if cache is not None and cache.strip():
            kwargs["cache_path"] = None if cache.strip().lower() in _OFF else cache.strip()
        second = (env.get("GIAR_LLM_AGREE_MODEL") or "").strip()
        if second:
            other = (env.get("GIAR_LLM_AGREE_BASE_URL") or "").strip() or base_url
            kwargs["agree_with"] = cls(**{**kwargs, "base_url": other, "model": second})
        return cls(**kwargs)


def _number(env: Mapping[str, str], name: str, kind: type):
    raw = env[name].strip()
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a valid {kind.__name__}") from None
    if value < 0:
        raise ConfigError(f"{name}={raw!r} must not be negative")
    return value
