"""limit / offset / orderBy / direction (api.md §1.5) and the page payload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from dues.errors import ValidationFailed

T = TypeVar("T")
MAX_LIMIT = 5000


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int
    order_by: str | None
    descending: bool

    def column(self, allowed: Mapping[str, str], default: str) -> str:
        """The sort column for the wire name in orderBy; 422 naming the allowed ones otherwise."""
        if self.order_by is None:
            return allowed[default]
        if self.order_by not in allowed:
            raise ValidationFailed.field(
                "orderBy",
                f"cannot sort by {self.order_by!r}; use one of {', '.join(sorted(allowed))}",
                self.order_by,
            )
        return allowed[self.order_by]


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="1..5000")] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    orderBy: Annotated[str | None, Query(max_length=64, description="a field name of the resource")] = None,
    # Spelled out rather than "(?i)": the pattern is published in OpenAPI, where regexes are ECMA-262.
    direction: Annotated[
        str, Query(pattern="^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$", description="ASC or DESC")
    ] = "DESC",
) -> PageParams:
    # async: a plain function would run in the thread pool.
    return PageParams(limit, offset, orderBy, direction.upper() == "DESC")


Paging = Annotated[PageParams, Depends(page_params)]
