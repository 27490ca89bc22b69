from __future__ import annotations

from fastapi import APIRouter

from dues.db import DuesRoute

router = APIRouter(route_class=DuesRoute)
