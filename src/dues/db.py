"""Engine, sessions, the embedded PostgreSQL, and the one-transaction-per-request route class."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import simplejson
import structlog
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from dues.config import Settings
from dues.errors import DuesError
from dues.kit.envelope import error_response

log = structlog.get_logger("dues.db")


def sqlalchemy_url(url: str) -> str:
    """Any PostgreSQL URL, as SQLAlchemy wants it with the psycopg 3 driver."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The same URL as libpq (and procrastinate's connector) reads it."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def start_embedded(home: Path, database: str = "dues") -> str:
    """Start (or join) the pgserver PostgreSQL under ``home`` and return a URL to its ``database``."""
    import pgserver  # imported late: production never needs it

    home.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str((home / "pgdata").resolve()), cleanup_mode=None)
    if not database.isidentifier():
        raise ValueError(f"bad database name {database!r}")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    socket_dir = (home / "pgdata").resolve()
    return f"postgresql://postgres@/{database}?host={socket_dir}"


def resolve_database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return start_embedded(settings.home)


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]

    @classmethod
    def connect(cls, url: str, pool_size: int = 10) -> Database:
        engine = create_async_engine(
            sqlalchemy_url(url), pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
        )
        return cls(url=url, engine=engine, sessionmaker=make_sessionmaker(engine))

    async def dispose(self) -> None:
        await self.engine.dispose()


def make_sessionmaker(bind: Any, **kwargs: Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False, **kwargs)


class DecimalRequest(Request):
    """Reads JSON bodies with Decimal for every non-integer number, so amounts never pass through float."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = simplejson.loads(body, parse_float=Decimal)
            except (simplejson.JSONDecodeError, UnicodeDecodeError) as exc:
                # FastAPI turns the standard library's error (only) into the envelope's malformed-JSON 400.
                raise json.JSONDecodeError(str(exc), body.decode("utf-8", "replace"), 0) from exc
        return self._json


class DuesRoute(APIRoute):
    """Each request runs in one session and one transaction, committed here once the endpoint has answered.

    The commit happens before the response is sent, so a client that got a 2xx can rely on the change; an
    exception rolls everything back, queued jobs included (they are rows in the same transaction).
    POST requests with an Idempotency-Key are claimed and answered from the same transaction (api.md §1.6).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            from dues.idempotency import service as idempotency

            request = DecimalRequest(request.scope, request.receive)
            db: Database = request.app.state.db
            try:
                async with db.sessionmaker() as session:
                    request.state.session = session
                    claim = await idempotency.claim(session, request)
                    if claim is not None and claim.replay is not None:
                        return claim.replay
                    response = await inner(request)
                    if response.status_code >= 400:
                        if getattr(request.state, "commit_on_error", False):
                            await session.commit()
                        else:
                            await session.rollback()
                        return response
                    if claim is not None:
                        await idempotency.store(session, claim, response)
                    await session.commit()
                    return response
            except (DuesError, RequestValidationError, StarletteHTTPException):
                raise
            except Exception:
                # Handled here rather than by Starlette's outermost middleware so the 500 still carries the
                # request id header and goes through the request log.
                log.exception("unexpected error", path=request.url.path)
                return error_response(
                    500,
                    "SYSTEM_ERROR",
                    "Something went wrong on our side; it has been logged. Try again.",
                    [],
                )

        return handler


def body_fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def get_session(request: Request) -> AsyncSession:
    return request.state.session  # type: ignore[no-any-return]


SessionDep = Annotated[AsyncSession, Depends(get_session)]
