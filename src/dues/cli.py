"""The ``dues`` command: serve, worker, migrate, and company/user administration."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from types import FrameType
from typing import Annotated, Any, TypeVar

import structlog
import typer
from sqlalchemy.exc import DBAPIError

from dues import embedded
from dues.config import get_settings, public_url_for, served_url
from dues.db import Database, resolve_database_url
from dues.errors import DuesError, NotFound
from dues.kit.logging import configure

T = TypeVar("T")

app = typer.Typer(
    help="dues: self-hosted Accounts Receivable for Indian B2B sellers (EnKash AR API).\n\n"
    "With DATABASE_URL unset it runs on an embedded PostgreSQL under DUES_HOME (default ./.dues).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
company_app = typer.Typer(help="Create and inspect companies (sellers).", no_args_is_help=True)
user_app = typer.Typer(help="Create users, reset passwords, deactivate users.", no_args_is_help=True)
msme_rates_app = typer.Typer(
    help="The RBI bank rates MSME interest is reckoned from (MSMED Act 2006 s.16: three times the bank "
    "rate, compounded with monthly rests). One table for every company on this installation: each rate is "
    "in force from its date until the next one. dues ships the rates since 2020; add each change the RBI "
    "announces.",
    no_args_is_help=True,
)
bharat_connect_app = typer.Typer(
    help="Bharat Connect B2B (the network invoices are presented on and paid through; api.md §8).",
    no_args_is_help=True,
)
app.add_typer(company_app, name="company")
app.add_typer(user_app, name="user")
app.add_typer(msme_rates_app, name="msme-rates")
app.add_typer(bharat_connect_app, name="bharat-connect")

log = structlog.get_logger("dues.cli")


def _database_url() -> str:
    return resolve_database_url(get_settings())


def _admin_database_url() -> str:
    """The database for company and user commands; the embedded one is migrated first, as `serve` does,
    so these work on a fresh machine before the first `serve`."""
    settings = get_settings()
    url = resolve_database_url(settings)
    if settings.embedded:
        _migrate(url)
    return url


def _migrate(url: str) -> None:
    from dues.migrations import upgrade

    upgrade(url)


def _in_session(url: str, work: Callable[[Any], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database.connect(url, pool_size=2)
        try:
            async with db.sessionmaker() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except (DBAPIError, OSError) as exc:
        # A person at a terminal: one readable line, not a driver traceback.
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        typer.secho(
            f"error: the database refused the command ({reason}). "
            "Check DATABASE_URL and that `dues migrate` has been run.",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(code=1) from exc


def _fail(err: DuesError) -> None:
    detail = "; ".join(f"{s.field}: {s.message}" for s in err.sub_errors) or err.message
    typer.secho(f"error: {detail}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (run once per release before starting servers)."""
    configure(get_settings().log_level, get_settings().log_json)
    url = _database_url()
    _migrate(url)
    typer.echo("database is up to date")


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0: every address, behind a load balancer).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="HTTP worker processes.")] = 1,
    demo: Annotated[
        bool | None, typer.Option(help="Create a demo company if none exists (default: on when embedded).")
    ] = None,
) -> None:
    """Serve the API, payment pages and docs; migrates first. Embedded mode also runs a job worker.

    Links in e-mails and on pages use DUES_PUBLIC_URL, or this server's own address when it is unset.
    Ctrl-C or SIGTERM stops it, the embedded database with it."""
    import uvicorn

    settings = get_settings()
    configure(settings.log_level, settings.log_json)
    # SIGTERM ends the process like Ctrl-C, through the `finally` below, rather than killing it outright:
    # uvicorn shuts down gracefully and then raises the signal again with the handler found before it.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        url = _database_url()
        _migrate(url)
        if settings.embedded:
            # The HTTP worker processes reach the same embedded server through this URL.
            os.environ["DUES_DATABASE_URL"] = url
            os.environ.setdefault("DUES_INPROCESS_WORKER", "true")
        # Payment links follow the port this server listens on unless DUES_PUBLIC_URL says otherwise (the
        # HTTP worker processes and the in-process job worker read it from here).
        os.environ["DUES_PUBLIC_URL"] = public_url_for(settings, host, port)
        get_settings.cache_clear()
        if demo if demo is not None else settings.embedded:
            _print_demo(url, host, port)
        uvicorn.run(
            "dues.app:factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            proxy_headers=True,
        )
    except KeyboardInterrupt:
        pass  # Ctrl-C before the server was up (after it, uvicorn has already stopped gracefully)
    finally:
        if settings.embedded:
            embedded.stop(settings.home)


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


def _print_demo(url: str, host: str, port: int) -> None:
    from dues.companies import service

    settings = get_settings()
    creds_file = settings.home / "demo-credentials.json"
    creds: dict[str, str] | None = json.loads(creds_file.read_text()) if creds_file.exists() else None
    if creds is not None:
        company_id = creds["companyId"]
        if not _in_session(url, lambda s: service.exists(s, company_id)):
            creds = None  # the database was reset since; make a new demo company
    if creds is None:
        created = _in_session(url, service.create_demo_company)
        creds = {
            "companyId": created.company_id,
            "clientId": created.client_id,
            "clientSecret": created.client_secret,
            "username": created.username,
            "password": created.password,
        }
        settings.home.mkdir(parents=True, exist_ok=True)
        creds_file.write_text(json.dumps(creds, indent=2))
        creds_file.chmod(0o600)
    base = served_url(host, port)
    typer.echo(
        "\nDemo company (credentials kept in "
        f"{creds_file}):\n{json.dumps(creds, indent=2)}\n\nGet a token:\n"
        f"  curl -s -u '{creds['clientId']}:{creds['clientSecret']}' {base}/oauth/token \\\n"
        f"    -d grant_type=password -d username='{creds['username']}' -d password='{creds['password']}'\n\n"
        f"API docs: {base}/docs\n"
    )


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once in this process.")] = 4,
) -> None:
    """Run background jobs (bulk uploads, mail, webhooks). Start as many as you like, on any machine."""
    from dues import jobs

    settings = get_settings()
    configure(settings.log_level, settings.log_json)
    url = _database_url()
    # Each job may write an upload's chunks in several lanes at once, each lane a connection of its own.
    db = Database.connect(url, pool_size=concurrency * (settings.upload_lanes + 1))
    log.info("worker starting", concurrency=concurrency)
    asyncio.run(jobs.run_worker(db, concurrency=concurrency))


STATE_HELP = (
    "State or UT of the seller (decides intra- or inter-state GST): its name (Karnataka), GST code (29) "
    "or abbreviation (KA)."
)


def _state(value: str) -> str:
    """The state's canonical name; anything unknown is passed on for the service to refuse readably."""
    from dues.kit.india import state_from_any

    return state_from_any(value) or value


@company_app.command("create")
def company_create(
    name: Annotated[str, typer.Option("--name", help="Legal name of the seller.")],
    state: Annotated[str, typer.Option("--state", help=STATE_HELP)],
    gstin: Annotated[str | None, typer.Option("--gstin", help="The seller's GSTIN.")] = None,
    parent: Annotated[
        str | None, typer.Option("--parent", help="Parent company id (CEK...) for a group.")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="E-mail of the first ADMIN user.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the credentials as JSON.")] = False,
) -> None:
    """Create a company with its API client and first ADMIN user; prints the secrets once."""
    from dues.companies import service

    url = _admin_database_url()
    state = _state(state)
    try:
        created = _in_session(url, lambda s: service.create_company(s, name, state, gstin, parent, email))
    except DuesError as err:
        _fail(err)
        return
    out = {
        "companyId": created.company_id,
        "clientId": created.client_id,
        "clientSecret": created.client_secret,
        "username": created.username,
        "password": created.password,
    }
    if as_json:
        typer.echo(json.dumps(out))
    else:
        for k, v in out.items():
            typer.echo(f"{k}: {v}")
        typer.echo("Keep the secret and password now: they are stored only as hashes.")


@company_app.command("list")
def company_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array instead of a table.")] = False,
) -> None:
    """List every company: id, legal name, state, GSTIN and parent."""
    from dues.companies import service

    companies = _in_session(_admin_database_url(), service.list_all)
    rows = [
        {
            "companyId": c.company_id,
            "legalName": c.legal_name,
            "state": c.state,
            "gstin": c.gstin,
            "parentCompanyId": c.parent_company_id,
        }
        for c in companies
    ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        typer.echo("No companies yet: create one with `dues company create`.")
        return
    headers = {"companyId": "COMPANY", "legalName": "LEGAL NAME", "state": "STATE", "gstin": "GSTIN"}
    headers["parentCompanyId"] = "PARENT"
    table = [list(headers.values())] + [[str(r[k] or "-") for k in headers] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    for line in table:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


@company_app.command("show")
def company_show(
    company: Annotated[str, typer.Argument(help="Company id (CEK...).", metavar="COMPANY_ID")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show a company's settings and users (no secrets: those are stored only as hashes)."""
    from dues.companies import service
    from dues.companies.schemas import CompanyRead

    async def read(session: Any) -> dict[str, Any]:
        found = await service.get(session, company)
        settings = CompanyRead.model_validate(found).model_dump(by_alias=True, mode="json")
        users = await service.users(session, company)
        settings["users"] = [{"username": u.email, "role": u.role, "active": u.active} for u in users]
        return settings

    try:
        shown = _in_session(_admin_database_url(), read)
    except NotFound:
        typer.secho(f"error: no company {company} (see `dues company list`)", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    if as_json:
        typer.echo(json.dumps(shown))
        return
    users = shown.pop("users")
    width = max(len(k) for k in shown)
    for key, value in shown.items():
        typer.echo(f"{key.ljust(width)}  {'-' if value is None else value}")
    typer.echo("users:")
    for user in users:
        state = "" if user["active"] else " (deactivated)"
        typer.echo(f"  {user['username']}  {user['role']}{state}")


@user_app.command("create")
def user_create(
    company: Annotated[str, typer.Option("--company", help="Company id (CEK...).")],
    email: Annotated[str, typer.Option("--email", help="E-mail, used as the username.")],
    role: Annotated[str, typer.Option("--role", help="ADMIN, MAKER, CHECKER, APPROVER or VIEWER.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the credentials as JSON.")] = False,
) -> None:
    """Create a user with a generated password, printed once."""
    from dues.companies import service

    try:
        created = _in_session(
            _admin_database_url(), lambda s: service.create_user(s, company, email, role.upper())
        )
    except DuesError as err:
        _fail(err)
        return
    out = {"username": created.username, "password": created.password}
    typer.echo(json.dumps(out) if as_json else f"username: {created.username}\npassword: {created.password}")


@user_app.command("password")
def user_password(
    company: Annotated[str, typer.Option("--company", help="Company id (CEK...).")],
    email: Annotated[str, typer.Option("--email", help="The user's e-mail.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Give a user a new generated password; every token it held stops working."""
    from dues.companies import service

    try:
        password = _in_session(_admin_database_url(), lambda s: service.set_password(s, company, email))
    except DuesError as err:
        _fail(err)
        return
    typer.echo(json.dumps({"username": email, "password": password}) if as_json else f"password: {password}")


@user_app.command("deactivate")
def user_deactivate(
    company: Annotated[str, typer.Option("--company", help="Company id (CEK...).")],
    email: Annotated[str, typer.Option("--email", help="The user's e-mail.")],
) -> None:
    """Deactivate a user; every token it held stops working at once."""
    from dues.companies import service

    try:
        _in_session(_admin_database_url(), lambda s: service.deactivate_user(s, company, email))
    except DuesError as err:
        _fail(err)
        return
    typer.echo(f"{email} deactivated")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date: write YYYY-MM-DD, e.g. 2025-12-05") from None


def _rate(value: str) -> Decimal:
    try:
        rate = Decimal(value.strip().rstrip("%"))
    except ArithmeticError:
        raise typer.BadParameter(f"{value!r} is not a number: write the rate in percent, e.g. 5.50") from None
    if not rate.is_finite():
        raise typer.BadParameter(f"{value!r} is not a number: write the rate in percent, e.g. 5.50")
    return rate


@msme_rates_app.command("list")
def msme_rates_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array instead of a table.")] = False,
) -> None:
    """List the bank rates, newest first, with the interest rate (three times) each gives."""
    from dues.msme import service
    from dues.msme.interest import interest_rate

    rates = _in_session(_admin_database_url(), service.bank_rates)
    rows = [
        {
            "effectiveFrom": r.effective_from.isoformat(),
            "bankRate": f"{r.bank_rate:.2f}",
            "interestRate": f"{interest_rate(r.bank_rate):.2f}",
            "note": r.note,
        }
        for r in rates
    ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        typer.echo("No bank rates: add one with `dues msme-rates set YYYY-MM-DD RATE`.")
        return
    typer.echo(f"{'EFFECTIVE FROM':<15}{'BANK RATE %':>12}{'INTEREST %':>12}  NOTE")
    for row in rows:
        line = (
            f"{row['effectiveFrom']:<15}{row['bankRate']:>12}{row['interestRate']:>12}  {row['note'] or ''}"
        )
        typer.echo(line.rstrip())


@msme_rates_app.command("set")
def msme_rates_set(
    effective_from: Annotated[
        str, typer.Argument(help="The day the rate takes effect, YYYY-MM-DD.", metavar="YYYY-MM-DD")
    ],
    rate: Annotated[
        str,
        typer.Argument(
            help="The RBI bank rate in percent a year, e.g. 5.50 (not the tripled rate).", metavar="RATE"
        ),
    ],
    note: Annotated[
        str | None, typer.Option("--note", help="Where it comes from, e.g. the RBI press release.")
    ] = None,
) -> None:
    """Set the bank rate in force from a day (replacing the rate of that day, if any). Interest on every
    company's invoices follows from the next reading on."""
    from dues.msme import service
    from dues.msme.interest import interest_rate

    day, value = _day(effective_from), _rate(rate)
    try:
        _in_session(_admin_database_url(), lambda s: service.set_bank_rate(s, day, value, note))
    except DuesError as err:
        _fail(err)
        return
    tripled = interest_rate(value)
    typer.echo(f"bank rate {value:.2f} % from {day.isoformat()} (interest {tripled:.2f} % a year)")


@msme_rates_app.command("remove")
def msme_rates_remove(
    effective_from: Annotated[
        str, typer.Argument(help="The day of the rate to remove, YYYY-MM-DD.", metavar="YYYY-MM-DD")
    ],
) -> None:
    """Remove the rate that took effect on a day (a mistake): the rate before it stays in force until the
    next one."""
    from dues.msme import service

    day = _day(effective_from)
    try:
        _in_session(_admin_database_url(), lambda s: service.remove_bank_rate(s, day))
    except DuesError as err:
        _fail(err)
        return
    typer.echo(f"bank rate from {day.isoformat()} removed")


@bharat_connect_app.command("sandbox")
def bharat_connect_sandbox(
    supplier_url: Annotated[
        str,
        typer.Option(
            "--supplier-url",
            help="Where the supplier (a dues server) is, e.g. http://127.0.0.1:8000: the sandbox sends it "
            "the network's messages at this URL + /bharat-connect + EnKash's path.",
        ),
    ],
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8100,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Run the sandbox Bharat Connect network on its own (TEST MODE: it moves no money).

    It plays NBBL and every buyer: it answers the supplier's requests at once and sends their resp-* shortly
    after, keeps every message (bcs_ tables of the database DATABASE_URL names, migrated first), and serves
    the buyer's page at http://HOST:PORT/bc-sandbox/buyer (accept, reject, return, pay on or off platform,
    confirm notes, send purchase orders) and a JSON control API for tests at /bc-sandbox/control/.

    Point the supplier at it: start dues with DUES_BHARAT_CONNECT=sandbox and
    DUES_BHARAT_CONNECT_URL=http://HOST:PORT/bc-sandbox; both sides sign with DUES_BHARAT_CONNECT_SECRET
    (unset: derived from DUES_JWT_SECRET, which must then be the same for both). A `dues serve` with no
    DUES_BHARAT_CONNECT_URL runs its own sandbox at its own /bc-sandbox instead, and needs none of this."""
    import uvicorn

    from dues.bharat_connect.network import SANDBOX, adapter_name
    from dues.bharat_connect.sandbox.app import standalone

    settings = get_settings()
    configure(settings.log_level, settings.log_json)
    if settings.env == "production" and adapter_name(settings) != SANDBOX:
        typer.secho(
            "error: the sandbox network lets anyone play any buyer; in production it runs only when "
            "DUES_BHARAT_CONNECT=sandbox names it.",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(code=1)
    url = _database_url()
    _migrate(url)
    typer.echo(f"Bharat Connect sandbox network (TEST MODE): {served_url(host, port)}/bc-sandbox/buyer")
    uvicorn.run(standalone(supplier_url, url), host=host, port=port, log_config=None)


def main() -> None:
    app()
