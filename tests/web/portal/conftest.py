"""The portal's tests. The app's link page (``pages.app_router``) is wired into the app's pages by the lead
(web.routes); until then it is wired here the same way, so the tests drive it as the app will serve it."""

from __future__ import annotations

from dues.web import routes
from dues.web.portal.pages import app_router


def _wire() -> None:
    paths = {getattr(r, "path", "") for r in routes.app_pages.routes}
    if "/app/customers/{customer_id}/portal" not in paths:
        routes.app_pages.include_router(app_router)


_wire()
