"""Alembic migrations, run by `dues migrate` and on `dues serve`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from dues.db import sqlalchemy_url

HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
