"""The service's ``Service`` in, the console's Starlette app out: every page's route, each
answered by the module of its page, mounted at ``/`` beside the ``/v1`` API
(``engine.console.create_app``).

Where each page lives: ``pages.py`` (what every page stands on), ``signin.py``,
``approvals.py`` (my approvals), ``deals.py`` (a deal, its explain view and edit form),
``forms.py`` (the forms that change a deal), ``pipeline.py``, ``playbooks.py`` (handbooks,
"try a deal", the difference between versions), ``editor.py`` and ``review.py`` (edit a
playbook, review a saved version), ``problems.py`` (every error as a page).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import KamError
from .approvals import Approvals
from .customers import CustomerPages
from .deals import Deals
from .editor import Editor
from .forms import DealForms
from .pages import HERE, Console, see
from .pipeline import Pipeline
from .playbooks import Playbooks
from .prices import PricePages
from .problems import ErrorPages, ProblemPages
from .signin import SignIn

if TYPE_CHECKING:
    from ..service.app import Service

__all__ = ["ProblemPages", "console_app"]


def console_app(svc: Service) -> Starlette:
    """The console's Starlette app over ``svc``; mount it at ``/`` after the API's routes."""
    c = Console(svc)
    s = SignIn(c)
    a = Approvals(c)
    d = Deals(c)
    f = DealForms(c, a, d)
    p = Pipeline(c)
    b = Playbooks(c)
    e = Editor(c)
    errors = ErrorPages(c)
    pr = PricePages(c)
    cu = CustomerPages(c)
    routes = [
        Route("/", s.home),
        Route("/signin", s.signin_form, methods=["GET"]),
        Route("/signin", s.signin, methods=["POST"]),
        Route("/signout", s.signout, methods=["POST"]),
        Route("/language", s.choose_language, methods=["POST"]),
        Route("/approvals", a.approvals, methods=["GET"]),
        Route("/deals/{deal_id}", d.deal, methods=["GET"]),
        Route("/deals/{deal_id}/explain", d.explain, methods=["GET"]),
        Route("/deals/{deal_id}/approve", f.decide, methods=["POST"]),
        Route("/deals/{deal_id}/reject", f.decide, methods=["POST"]),
        Route("/deals/{deal_id}/advance", f.advance, methods=["POST"]),
        Route("/deals/{deal_id}/signoff", f.sign_off, methods=["POST"]),
        Route("/deals/{deal_id}/edit", d.edit_form, methods=["GET"]),
        Route("/deals/{deal_id}/edit", f.edit, methods=["POST"]),
        Route("/pipeline", p.pipeline, methods=["GET"]),
        Route("/pipeline.csv", p.pipeline, methods=["GET"]),
        Route("/playbooks", b.playbooks, methods=["GET"]),
        # before the version routes: "edit" is no version
        Route("/playbooks/{playbook}/edit", e.editor, methods=["GET"]),
        Route("/playbooks/{playbook}/edit/lint", e.lint, methods=["POST"]),
        Route("/playbooks/{playbook}/edit/test", e.test, methods=["POST"]),
        Route("/playbooks/{playbook}/edit/add", e.add_test, methods=["POST"]),
        Route("/playbooks/{playbook}/edit/save", e.save, methods=["POST"]),
        Route("/playbooks/{playbook}/edit/review", e.review, methods=["POST"]),
        # a reload of a page a form answered: back to the editor, not "405 cannot be used so"
        Route("/playbooks/{playbook}/edit/{action:str}", _back_to_editor, methods=["GET"]),
        Route("/playbooks/{playbook}/{version}", b.handbook, methods=["GET"]),
        Route("/playbooks/{playbook}/{version}/try", b.try_form, methods=["GET"]),
        Route("/playbooks/{playbook}/{version}/try", b.try_deal, methods=["POST"]),
        Route("/diff/{playbook}", b.diff, methods=["GET"]),
        Route("/prices", pr.price_list, methods=["GET"]),
        Route("/prices", pr.add, methods=["POST"]),
        Route("/prices/{model}", pr.one, methods=["GET"]),
        Route("/prices/{model}", pr.change, methods=["POST"]),
        Route("/customers", cu.customers, methods=["GET"]),
        Route("/customers/{customer_id}", cu.customer, methods=["GET"]),
        Route("/customers/{customer_id}", cu.update, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            HTTPException: errors.on_http,
            KamError: errors.on_kam_error,
            Exception: errors.on_bug,
        },
    )
    app.state.console = c
    app.state.errors = errors  # ProblemPages turns the service's problem answers into pages
    return app


async def _back_to_editor(request: Request) -> Response:
    """``/edit/test`` or ``/edit/lint`` reloaded (a page a form answered): the editor again."""
    if request.path_params["action"] not in ("lint", "test", "save", "add"):
        raise HTTPException(404)
    return see("/playbooks/" + quote(request.path_params["playbook"], safe="") + "/edit")
