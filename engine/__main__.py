"""``python -m engine`` runs the ``kam`` command line."""

from .cli import entry

entry()
