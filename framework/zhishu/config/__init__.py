"""Loading, structuring and resolving index configurations."""
from .load import load_config

__all__ = ["load_config"]
