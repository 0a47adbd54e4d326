"""Packaging beyond pyproject.toml: the top-level prompts/ folder ships inside the wheel as ``giar.prompts``."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages("src"), "giar.prompts"],
    package_dir={"": "src", "giar.prompts": "prompts"},
)
