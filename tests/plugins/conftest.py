"""Fixtures shared by the plugin tests."""

from __future__ import annotations

import pytest

import zhishu


@pytest.fixture(scope="module")
def registries():
    """Every registry of the installed plugins (built once per test module)."""
    return zhishu.Hooks(zhishu.get_plugin_manager()).registries
