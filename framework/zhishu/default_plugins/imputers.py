"""Built-in "none" imputer and "none" outlier treatment: the data pass through unchanged (the defaults)."""

from __future__ import annotations

import attrs
import pandas as pd

from ..hookspecs import hookimpl


@attrs.define(kw_only=True)
class NoImputation:
    """Leave missing values missing."""

    def impute(self, X: pd.DataFrame, context=None) -> pd.DataFrame:
        return X


@attrs.define(kw_only=True)
class NoTreatment:
    """Leave every value as it is."""

    def treat(self, X: pd.DataFrame, context=None) -> pd.DataFrame:
        return X


@hookimpl
def register_imputers(register):
    register("none", NoImputation)


@hookimpl
def register_treatments(register):
    register("none", NoTreatment)
