"""attrs validators shared by components' parameters (public as ``zhishu.finite``), so that every
parameter check says the same thing in the same words."""

from __future__ import annotations

import math


def finite(instance, attribute, value) -> None:
    """attrs validator: ``value`` is a finite number (not NaN or ±inf)."""
    if not math.isfinite(value):
        raise ValueError(f"{attribute.name} must be a finite number, not {value!r}")
