from __future__ import annotations

from fastapi import APIRouter

from dues.db import DuesRoute
from dues.kit.openapi import ERRORS

router = APIRouter(prefix="/api/v0", route_class=DuesRoute, tags=["collection"], responses=ERRORS)
