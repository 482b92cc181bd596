"""A template zhishu plugin: copy it, rename it, replace the examples with your own components.

``plugin.py`` holds the hook implementations (a few lines each); the logic lives beside it in ``methods.py``.
"""
