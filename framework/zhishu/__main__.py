"""``python -m zhishu …``"""
import gc

gc.disable()  # importing the CLI allocates long-lived objects only; main() freezes them and collects again
from .cli import console  # noqa: E402

gc.enable()
console()
