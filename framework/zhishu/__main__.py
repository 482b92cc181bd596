"""``python -m zhishu …``"""
import gc
import sys

gc.disable()  # importing the CLI allocates long-lived objects only; main() freezes them and collects again
from .cli import main  # noqa: E402

gc.enable()
sys.exit(main())
