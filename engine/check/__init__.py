"""Checking: assembled playbook data in, the checked PlaybookModel (or located problems) out."""
