"""``python -m nkhr`` is the same as the ``nkhr`` command."""

from .cli import run

run()
