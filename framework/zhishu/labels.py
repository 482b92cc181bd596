"""Unit labels as compared: the one definition used to match data labels to units, in the pipeline and in
plugins (``zhishu.canonical_label``), so that a label that matches in one place matches everywhere."""

from __future__ import annotations

import unicodedata

import pandas as pd


def canonical_label(label) -> str:
    """A unit label as compared: Unicode NFKC (full-width → half-width), surrounding spaces removed."""
    return unicodedata.normalize("NFKC", str(label)).strip()


def canonical_index(labels: pd.Index) -> pd.Index:
    """:func:`canonical_label` of every label, with pandas' string methods (no Python loop over labels)."""
    return labels.astype(str).str.normalize("NFKC").str.strip()
