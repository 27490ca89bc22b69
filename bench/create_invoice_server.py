"""The server bench/create_invoice.py measures: dues' own app as `dues serve` runs it, plus a bare endpoint.

`POST /bench/bare` goes through the same stack as createInvoice (uvicorn, the middleware, the route class with
its session and commit, the database pool, the envelope) but has no logic: no authentication, no validation,
one INSERT of the body into `bench_bare`. It exists only here, never in the product.

    python bench/create_invoice_server.py --port 8711 --workers 1   # DUES_DATABASE_URL names the database
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import text

from dues.app import factory
from dues.db import DuesRoute, SessionDep
from dues.kit.envelope import JSONBody, ok

bare = APIRouter(route_class=DuesRoute)
_INSERT = text("INSERT INTO bench_bare (body) VALUES (CAST(:body AS jsonb))")


@bare.post("/bench/bare", include_in_schema=False)
async def bare_insert(request: Request, session: SessionDep) -> JSONBody:
    await session.execute(_INSERT, {"body": (await request.body()).decode()})
    return ok({"stored": True})


def bench_factory() -> FastAPI:
    app = factory()
    app.include_router(bare)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8711)
    parser.add_argument(
        "--workers", type=int, default=1, help="HTTP worker processes, as `dues serve --workers`"
    )
    args = parser.parse_args()
    options: dict[str, Any] = {"log_config": None, "proxy_headers": True, "workers": args.workers}
    uvicorn.run(
        "create_invoice_server:bench_factory", factory=True, host="127.0.0.1", port=args.port, **options
    )


if __name__ == "__main__":
    main()
