"""Loading, structuring and resolving index configurations."""
from .load import load_config  # noqa: F401
