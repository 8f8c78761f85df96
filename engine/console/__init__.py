"""Settings in, the service with its console out: ``kam serve`` answers ``/v1`` (JSON, bearer
tokens) and, at ``/``, the console's pages for people who never open a terminal.

A layer above ``engine.service``: it shares the service's store and playbooks (one
``Service``), so approvals and moves go through the very store calls the API makes.
docs/console.md is the guide.
"""

from __future__ import annotations

import json
import os

from fastapi import FastAPI

from ..service.app import SETTINGS_ENV, Settings
from ..service.app import create_app as create_service
from .app import ProblemPages, console_app

__all__ = ["Settings", "create_app", "from_environment"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service app with the console mounted at ``/`` (after every API route, so
    ``/v1``, ``/healthz`` and ``/docs`` keep their answers)."""
    app = create_service(settings)
    console = console_app(app.state.service)
    app.mount("/", console, name="console")
    # outermost: the body gate's refusals of a console form become pages, not JSON
    app.add_middleware(ProblemPages, console=console.state.errors)
    return app


def from_environment() -> FastAPI:
    """The app each uvicorn worker process builds (``kam serve --workers N``), console
    included: the settings come as JSON in ``$KAM_SERVE_SETTINGS``, written by the parent."""
    return create_app(Settings(**json.loads(os.environ[SETTINGS_ENV])))
