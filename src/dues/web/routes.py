"""Every page of /app and /portal, put together: the CSRF check is the routers' own, so no page can forget
it; errors on these paths are answered as pages (``errors.answer_pages_with``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from starlette.staticfiles import StaticFiles

from dues import errors
from dues.db import DuesRoute
from dues.web import common
from dues.web.bharat_connect.pages import router as bharat_connect
from dues.web.customers.pages import router as customers
from dues.web.invoices.editing import router as invoice_editing
from dues.web.invoices.pages import router as invoices
from dues.web.operations.pages import router as operations
from dues.web.overview.pages import router as overview
from dues.web.payments.pages import router as payments
from dues.web.portal.pages import app_router as portal_links
from dues.web.portal.pages import router as portal
from dues.web.settings.pages import router as settings
from dues.web.uploads.pages import router as uploads

app_pages = APIRouter(
    route_class=DuesRoute, include_in_schema=False, dependencies=[Depends(common.same_site_only)]
)
for area in (
    overview,
    portal_links,
    customers,
    invoice_editing,
    invoices,
    payments,
    uploads,
    operations,
    bharat_connect,
    settings,
):
    app_pages.include_router(area)

portal_pages = APIRouter(
    route_class=DuesRoute, include_in_schema=False, dependencies=[Depends(common.same_site_only)]
)
portal_pages.include_router(portal)


def install(app: FastAPI) -> None:
    app.include_router(app_pages)
    app.include_router(portal_pages)
    # The stylesheet and the few scripts of our own the pages load: the CSP's 'self'.
    app.mount("/app/static", StaticFiles(directory=common.STATIC), name="app-static")
    errors.answer_pages_with(common.is_page, common.error_page)
