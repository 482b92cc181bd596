"""``python -m zhishu …``"""
import sys

from .cli import main

sys.exit(main())
