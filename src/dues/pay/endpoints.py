from __future__ import annotations

from fastapi import APIRouter

from dues.db import DuesRoute

# The payer's pages: no login, HTML, outside the /api/ envelope.
router = APIRouter(prefix="/pay", route_class=DuesRoute, include_in_schema=False)
