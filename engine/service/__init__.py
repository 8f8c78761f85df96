"""Settings in, the HTTP service out: ``create_app`` builds the FastAPI app ``kam serve`` runs.

A layer above ``engine.store``: it reads requests, calls the store and the playbook library,
and answers JSON (errors as RFC 9457 problem+json). Nothing below imports it. docs/service.md
is the guide.
"""

from __future__ import annotations

from .app import Settings, create_app, openapi_text

__all__ = ["Settings", "create_app", "openapi_text"]
