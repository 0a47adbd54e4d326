"""Versioned prompt files (``<name>.v<version>.md``), shipped in the wheel as ``giar.prompts``."""
