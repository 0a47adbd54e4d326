"""Every error giar raises derives from :class:`GiarError`, so a caller can catch giar's failures apart from
bugs; each says in one line which input and what is wrong."""

from __future__ import annotations


class GiarError(Exception):
    """The root of every error giar raises."""


class ReadError(GiarError, ValueError):
    """The input could not be read as a report (missing file, empty, unknown format)."""


class ConfigError(GiarError, ValueError):
    """A setting giar was given (an environment variable, an option) is not valid."""


class PromptError(GiarError, ValueError):
    """A prompt file of the LLM fallback is missing or malformed."""


class OverTimeLimit(GiarError):
    """A document of a batch took longer than the per-document deadline: its worker was stopped."""


class WorkerDied(GiarError):
    """The process reading a document of a batch died (out of memory, a crash in a native library)."""


class OutputLocked(GiarError):
    """Another giar run is writing the same output."""
