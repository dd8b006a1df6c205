"""Loaded by pytest before Django's settings (``-p tests.debug_env`` in pyproject.toml).

DEBUG is off unless set (workbench/settings.py), and off it wants a SECRET_KEY. The suite runs
as local use does, DEBUG=1 when the settings are read (pytest-django still turns
settings.DEBUG off for every test), so `make test` needs nothing in the environment. Tests of
the production settings start processes with variables of their own (tests/test_settings.py).
"""

import os

os.environ.setdefault("DEBUG", "1")
