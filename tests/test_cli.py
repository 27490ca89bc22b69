"""The ``dues`` command (api.md §1.7): company and user administration against a real database."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from dues.app import create_app
from dues.cli import app as cli
from dues.config import Settings, get_settings
from dues.db import Database
from tests.processes import DUES, postgres_of, private_directory
from tests.support import gstin_for

runner = CliRunner()


@pytest.fixture
def dues_env(database_url: str, committed: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The CLI pointed at the test database; what it commits is emptied afterwards (``committed``)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def dues(*args: str) -> Any:
    result = runner.invoke(cli, list(args))
    return result


def dues_json(*args: str) -> dict[str, Any]:
    result = dues(*args, "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def token(url: str, client_id: str, client_secret: str, username: str, password: str) -> httpx.Response:
    """Log in through the real app, as an API client would with the printed credentials."""

    async def run() -> httpx.Response:
        database = Database.connect(url, pool_size=1)
        try:
            settings = Settings(
                database_url=url, jwt_secret=os.environ["DUES_JWT_SECRET"], inprocess_worker=False
            )
            transport = httpx.ASGITransport(app=create_app(settings, database))
            async with httpx.AsyncClient(transport=transport, base_url="http://dues.test") as http:
                return await http.post(
                    "/oauth/token",
                    data={"grant_type": "password", "username": username, "password": password},
                    auth=(client_id, client_secret),
                )
        finally:
            await database.dispose()

    return asyncio.run(run())


def assert_refused(result: Any, *words: str) -> None:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    text = result.output
    assert "Traceback" not in text
    assert "error" in text.lower()
    for word in words:
        assert word.lower() in text.lower(), text


def test_company_create_prints_working_credentials(dues_env: str) -> None:
    out = dues_json("company", "create", "--name", "Cli Traders Pvt Ltd", "--state", "Maharashtra")
    assert set(out) == {"companyId", "clientId", "clientSecret", "username", "password"}
    assert re.match(r"^CEK[A-Z0-9]{7}$", out["companyId"])
    assert out["clientId"] == out["companyId"]
    response = token(dues_env, out["clientId"], out["clientSecret"], out["username"], out["password"])
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "admin"


def test_company_create_with_gstin_parent_and_admin_email(dues_env: str) -> None:
    parent = dues_json("company", "create", "--name", "Group Ltd", "--state", "Karnataka")
    gstin = gstin_for("29")
    child = dues_json(
        "company",
        "create",
        "--name",
        "Group Retail Ltd",
        "--state",
        "karnataka",
        "--gstin",
        gstin,
        "--parent",
        parent["companyId"],
        "--email",
        "finance@retail.example.com",
    )
    assert child["username"] == "finance@retail.example.com"
    response = token(dues_env, child["clientId"], child["clientSecret"], child["username"], child["password"])
    assert response.status_code == 200, response.text


def test_company_create_without_json_prints_readable_lines(dues_env: str) -> None:
    result = dues("company", "create", "--name", "Plain Ltd", "--state", "Goa")
    assert result.exit_code == 0, result.output
    assert re.search(r"^companyId: CEK[A-Z0-9]{7}$", result.stdout, re.M)
    assert "clientSecret: " in result.stdout and "password: " in result.stdout


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--state", "Atlantis"], ["state"]),
        (["--state", "Maharashtra", "--gstin", "29AAAAA0000A1Z5"], ["gstin"]),
        (["--state", "Karnataka", "--gstin", gstin_for("27")], ["gstin", "Maharashtra"]),
        (["--state", "Goa", "--parent", "CEKNOSUCH1"], ["parent"]),
    ],
)
def test_company_create_refuses_bad_input_readably(dues_env: str, extra: list[str], words: list[str]) -> None:
    assert_refused(dues("company", "create", "--name", "Bad Ltd", *extra), *words)


def test_user_create_prints_working_credentials(dues_env: str) -> None:
    company = dues_json("company", "create", "--name", "Users Ltd", "--state", "Goa")
    user = dues_json(
        "user",
        "create",
        "--company",
        company["companyId"],
        "--email",
        "maker@users.example.com",
        "--role",
        "MAKER",
    )
    assert user["username"] == "maker@users.example.com"
    assert set(user) == {"username", "password"}
    response = token(
        dues_env, company["clientId"], company["clientSecret"], user["username"], user["password"]
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "maker"
    lower = dues_json(
        "user",
        "create",
        "--company",
        company["companyId"],
        "--email",
        "viewer@users.example.com",
        "--role",
        "viewer",
    )
    assert lower["username"] == "viewer@users.example.com"


@pytest.mark.parametrize(
    ("company", "email", "role", "words"),
    [
        (None, "x@users.example.com", "OWNER", ["role"]),
        (None, "not-an-email", "MAKER", ["email"]),
        (None, "admin-dup", "MAKER", ["email"]),
        ("CEKNOSUCH1", "x@users.example.com", "MAKER", ["CEKNOSUCH1"]),
    ],
)
def test_user_create_refuses_bad_input_readably(
    dues_env: str, company: str | None, email: str, role: str, words: list[str]
) -> None:
    created = dues_json("company", "create", "--name", "Users Ltd", "--state", "Goa")
    email = created["username"] if email == "admin-dup" else email
    result = dues(
        "user", "create", "--company", company or created["companyId"], "--email", email, "--role", role
    )
    assert_refused(result, *words)


def test_user_password_and_deactivate(dues_env: str) -> None:
    company = dues_json("company", "create", "--name", "Reset Ltd", "--state", "Goa")
    creds = (company["clientId"], company["clientSecret"], company["username"])
    reset = dues_json("user", "password", "--company", company["companyId"], "--email", company["username"])
    assert reset["password"] != company["password"]
    assert token(dues_env, *creds, company["password"]).status_code == 400
    assert token(dues_env, *creds, reset["password"]).status_code == 200
    result = dues("user", "deactivate", "--company", company["companyId"], "--email", company["username"])
    assert result.exit_code == 0, result.output
    assert token(dues_env, *creds, reset["password"]).json()["error"] == "invalid_grant"
    assert_refused(
        dues("user", "deactivate", "--company", company["companyId"], "--email", "ghost@x.example.com"),
        "ghost@x.example.com",
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], ["company", "user", "serve", "migrate", "worker"]),
        (["company"], ["create", "list", "show"]),
        (["company", "list"], ["--json", "table"]),
        (["company", "show"], ["COMPANY_ID", "--json", "secrets"]),
        (["company", "create"], ["--name", "--state", "--gstin", "--parent", "--json"]),
        (["user"], ["create", "password", "deactivate"]),
        (["user", "create"], ["--company", "--email", "--role", "--json"]),
        (["user", "password"], ["--company", "--email"]),
        (["user", "deactivate"], ["--company", "--email"]),
        (["serve"], ["--host", "--port", "--workers", "--demo / --no-demo", "DUES_PUBLIC_URL", "SIGTERM"]),
        (["worker"], ["--concurrency"]),
        (["migrate"], ["schema"]),
    ],
)
def test_help_explains_every_command(args: list[str], words: list[str]) -> None:
    result = dues(*args, "--help")
    assert result.exit_code == 0, result.output
    for word in words:
        assert word in result.stdout, (word, result.stdout)
    # A flag takes no value: its help shows none (typer's rich help printed a fake "<bool>").
    assert "<bool>" not in result.stdout, result.stdout


def test_state_help_names_every_way_to_give_it() -> None:
    text = " ".join(dues("company", "create", "--help").stdout.split())
    assert "name (Karnataka)" in text and "GST code (29)" in text and "abbreviation (KA)" in text, text


@pytest.mark.parametrize("given", ["Karnataka", "karnataka", "29", "KA", "ka"])
def test_state_by_name_gst_code_or_abbreviation(dues_env: str, given: str) -> None:
    created = dues_json("company", "create", "--name", "State Ltd", "--state", given)
    shown = dues_json("company", "show", created["companyId"])
    assert shown["state"] == "Karnataka"


def test_company_list_and_show(dues_env: str) -> None:
    parent = dues_json("company", "create", "--name", "Listed Group Ltd", "--state", "MH")
    gstin = gstin_for("29")
    child = dues_json(
        "company",
        "create",
        "--name",
        "Listed Retail Ltd",
        "--state",
        "KA",
        "--gstin",
        gstin,
        "--parent",
        parent["companyId"],
    )
    listed = {row["companyId"]: row for row in dues_json("company", "list")}
    assert listed[child["companyId"]] == {
        "companyId": child["companyId"],
        "legalName": "Listed Retail Ltd",
        "state": "Karnataka",
        "gstin": gstin,
        "parentCompanyId": parent["companyId"],
    }
    table = dues("company", "list")
    assert table.exit_code == 0, table.output
    header, *lines = table.stdout.splitlines()
    assert header.split() == ["COMPANY", "LEGAL", "NAME", "STATE", "GSTIN", "PARENT"]
    row = next(line for line in lines if line.startswith(child["companyId"]))
    assert "Listed Retail Ltd" in row and gstin in row and row.endswith(parent["companyId"])

    shown = dues_json("company", "show", child["companyId"])
    assert shown["companyId"] == child["companyId"]
    assert (shown["legalName"], shown["gstin"], shown["parentCompanyId"]) == (
        "Listed Retail Ltd",
        gstin,
        parent["companyId"],
    )
    assert shown["approvalChain"] == "NONE"
    assert shown["users"] == [{"username": child["username"], "role": "ADMIN", "active": True}]
    plain = dues("company", "show", child["companyId"])
    assert plain.exit_code == 0, plain.output
    assert re.search(r"^legalName\s+Listed Retail Ltd$", plain.stdout, re.M), plain.stdout
    for text in (json.dumps(shown), plain.stdout):
        # No secret of any kind: not the client secret, not the password, not their hashes.
        assert child["clientSecret"] not in text and child["password"] not in text
        assert "$argon2" not in text and "secret" not in text.lower() and "hash" not in text.lower()


def test_company_show_of_an_unknown_id_is_a_readable_error(dues_env: str) -> None:
    assert_refused(dues("company", "show", "CEKNOSUCH1"), "CEKNOSUCH1", "dues company list")


def test_no_arguments_shows_help() -> None:
    result = dues()
    assert "Usage" in result.output
    assert "company" in result.output


@pytest.fixture
def empty_database_url(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database on the test server that nobody has migrated."""
    import secrets

    import psycopg
    from sqlalchemy.engine import make_url

    from dues.db import libpq_url

    name = f"dues_empty_{secrets.token_hex(4)}"
    admin = libpq_url(database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_unmigrated_database_is_a_readable_error(empty_database_url: str) -> None:
    result = dues("company", "create", "--name", "Early Ltd", "--state", "Goa", "--json")
    assert_refused(result, "dues migrate")
    assert len(result.output.strip().splitlines()) <= 3, result.output


def test_every_abbreviation_names_a_state_and_gst_codes_need_no_leading_zero() -> None:
    from dues.kit.india import STATE_ABBREVIATIONS, STATES, state_from_any

    assert set(STATE_ABBREVIATIONS.values()) <= set(STATES)
    assert state_from_any("5") == state_from_any("05") == state_from_any("UK") == "Uttarakhand"
    assert state_from_any(" ts ") == "Telangana"
    assert state_from_any("XX") is None and state_from_any("Atlantis") is None


def test_a_normal_run_prints_no_warnings_and_leaves_no_database_running(tmp_path: Path) -> None:
    """`dues --help`, then `dues company create` and `dues company list` on a fresh embedded database, as
    real processes: nothing on stderr a person would take for a problem, and the embedded PostgreSQL the
    commands started is stopped when they end."""
    home = private_directory("dues-test-cli-home-")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DUES_DATABASE_URL")}
    env |= {"DUES_HOME": str(home), "PYTHONWARNINGS": "default"}  # warnings shown as a user would see them
    try:
        runs = [
            subprocess.run([DUES, *args], env=env, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
            for args in (
                ["--help"],
                ["company", "create", "--name", "Fresh Ltd", "--state", "KA", "--json"],
                ["company", "list"],
            )
        ]
        for run in runs:
            assert run.returncode == 0, run.stderr
            assert "Warning" not in run.stderr and "Traceback" not in run.stderr, run.stderr
        assert runs[0].stderr == ""
        assert "Fresh Ltd" in runs[2].stdout
        assert not postgres_of(home / "pgdata")
    finally:
        for proc in postgres_of(home / "pgdata"):
            proc.kill()
        shutil.rmtree(home, ignore_errors=True)
