"""The operations area of the app: payment reminders and webhook endpoints (the outbox has its own page,
collection.pages). One router for routes.py to include."""

from __future__ import annotations

from fastapi import APIRouter

from dues.db import DuesRoute
from dues.web.operations import reminders, webhooks

router = APIRouter(route_class=DuesRoute)
router.include_router(reminders.router)
router.include_router(webhooks.router)
