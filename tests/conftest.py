"""Shared fixtures: the repository root, and a helper that writes a config (plus data) into tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def write_config(tmp_path):
    """``write_config(toml_text, **files)`` writes config.toml and any named files; returns the config path."""

    def write(text: str, name: str = "config.toml", **files: str) -> Path:
        for filename, content in files.items():
            (tmp_path / filename.replace("__", ".")).write_text(textwrap.dedent(content).lstrip(), encoding="utf-8")
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write
