"""A production install, tried: build the wheel, install it without extras into a fresh venv, run it, use it.

1. Builds the wheel (setuptools from this venv, no build isolation: nothing unlocked is downloaded).
2. Makes a fresh venv and installs requirements/runtime.lock there with --require-hashes, then the wheel with
   --no-deps; `pip check` must find every requirement of every installed package met, and every module of the
   package must import.
3. Starts `dues serve` on the embedded PostgreSQL (DUES_HOME in a temporary folder, a free port on 127.0.0.1)
   with its in-process worker off, and `dues worker` on the same database (its URL: the socket folder pgserver
   uses, DUES_HOME/pgdata), so the jobs below can only be done by `dues worker`.
4. Uses it: a token with the demo credentials, a customer and an invoice through the API, the invoice's PDF,
   /openapi.json, and a bulk customer file that the worker must process to COMPLETED.
5. Fails on any failed step, a process that died, or a traceback or error-level line in either log.

Bounded: every wait has a deadline and the whole run stops after --timeout seconds; the processes it started
and the embedded PostgreSQL are stopped and the temporary folder removed whatever happens (--keep keeps it).
Run with the project's .venv: `.venv/bin/python .ci/smoke_wheel.py`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = ROOT / "requirements" / "runtime.lock"
# A JSON log line at error level or above, or a Python traceback anywhere.
BAD_LINE = re.compile(
    r'"level": ?"(error|critical|exception|fatal)"|Traceback \(most recent call last\)|\bERROR\b'
)


class SmokeError(Exception):
    pass


def say(message: str) -> None:
    print(f"smoke: {message}", flush=True)


def run(what: str, *args: str | Path, cwd: Path, timeout: float) -> str:
    started = time.monotonic()
    try:
        done = subprocess.run(  # noqa: S603
            [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise SmokeError(f"{what}: took over {timeout:.0f} s") from exc
    if done.returncode:
        raise SmokeError(f"{what}: `{' '.join(map(str, args))}` failed:\n{done.stdout}{done.stderr}")
    say(f"{what}: ok ({time.monotonic() - started:.1f} s) {done.stdout.strip()}")
    return done.stdout


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise SmokeError(
                f"`dues {self.name}` exited with {self.process.returncode}:\n{self.text()[-4000:]}"
            )


@dataclass
class Smoke:
    tmp: Path
    deadline: float
    services: list[Service] = field(default_factory=list)

    @property
    def home(self) -> Path:
        return self.tmp / "home"

    def remaining(self, cap: float) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise SmokeError("out of time")
        return min(cap, left)

    # 1-2: the install ---------------------------------------------------------------------------------------

    def install(self) -> Path:
        dist = self.tmp / "dist"
        run(
            "build the wheel", sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
            "--no-build-isolation", "--wheel-dir", dist, ROOT, cwd=ROOT, timeout=self.remaining(300),
        )  # fmt: skip
        (wheel,) = dist.glob("dues-*.whl")
        venv = self.tmp / "venv"
        run(
            "make a fresh venv", sys.executable, "-m", "venv", venv, cwd=self.tmp, timeout=self.remaining(120)
        )
        python = venv / "bin" / "python"
        # No bytecode compiling: it is not what is tried here, and costs a minute of CPU.
        pip = (python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile")
        run(
            "install the runtime lock",
            *pip,
            "--require-hashes",
            "-r",
            RUNTIME_LOCK,
            cwd=self.tmp,
            timeout=self.remaining(900),
        )
        run(f"install {wheel.name}", *pip, "--no-deps", wheel, cwd=self.tmp, timeout=self.remaining(120))
        run("pip check", python, "-m", "pip", "check", cwd=self.tmp, timeout=self.remaining(60))
        # Every module, so an import of a package the runtime lock lacks fails here and not in production.
        # Alembic's env.py runs only inside alembic; the migration scripts are loaded by file, not imported.
        run(
            "import every module", python, "-c",
            "import importlib, pkgutil, dues\n"
            "names = [m.name for m in pkgutil.walk_packages(dues.__path__, 'dues.')\n"
            "         if m.name != 'dues.migrations.env']\n"
            "for name in names: importlib.import_module(name)\n"
            "print(len(names), 'modules')",
            cwd=self.tmp, timeout=self.remaining(120),
        )  # fmt: skip
        return venv / "bin" / "dues"

    # 3: the processes ---------------------------------------------------------------------------------------

    def environment(self, **extra: str) -> dict[str, str]:
        # The machine's environment less anything that would point dues elsewhere.
        env = {k: v for k, v in os.environ.items() if not k.startswith("DUES_") and k != "DATABASE_URL"}
        env.update(DUES_HOME=str(self.home), DUES_LOG_JSON="true", DUES_LOG_LEVEL="INFO", **extra)
        return env

    def start(self, name: str, *args: str | Path, env: dict[str, str]) -> Service:
        log = self.tmp / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603
                [str(a) for a in args], cwd=self.tmp, env=env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        service = Service(name, process, log)
        self.services.append(service)
        return service

    def stop(self) -> None:
        # One at a time, the worker first: it must not see its database go away with the server.
        for service in reversed(self.services):
            if service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
            try:
                service.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                say(f"`dues {service.name}` did not stop in 20 s after SIGTERM; killed")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(service.process.pid, signal.SIGKILL)
                service.process.wait(timeout=10)
        self.stop_postgres()

    def stop_postgres(self) -> None:
        """pgserver's PostgreSQL outlives the process that started it; SIGINT is its fast shutdown."""
        pid_file = self.home / "pgdata" / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGINT)
        except (OSError, ValueError, IndexError):
            return
        stop_by = time.monotonic() + 20
        while time.monotonic() < stop_by:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        say("the embedded PostgreSQL did not stop in 20 s after SIGINT; killed")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    # 4: using it --------------------------------------------------------------------------------------------

    def call(
        self, base: str, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None, raw: bytes | None = None, expect: int = 200,
    ) -> Any:  # fmt: skip
        headers = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(base + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.remaining(30)) as answer:  # noqa: S310
                status, text = answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode(errors="replace")
        if status != expect:
            raise SmokeError(f"{method} {path} answered {status}, not {expect}: {text[:2000]}")
        return json.loads(text) if text else None

    def wait_until_serving(self, serve: Service, base: str) -> None:
        # The first start makes the database (initdb), migrates it and creates the demo company.
        limit = time.monotonic() + self.remaining(240)
        while True:
            serve.alive()
            try:
                with urllib.request.urlopen(base + "/openapi.json", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > limit:
                raise SmokeError(f"`dues serve` did not answer within 240 s:\n{serve.text()[-4000:]}")
            time.sleep(0.5)

    def use(self, dues: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        serve = self.start(
            "serve", dues, "serve", "--host", "127.0.0.1", "--port", str(port),
            env=self.environment(DUES_INPROCESS_WORKER="false"),
        )  # fmt: skip
        started = time.monotonic()
        self.wait_until_serving(serve, base)
        say(f"dues serve answers on {base} ({time.monotonic() - started:.1f} s)")

        # The embedded server listens on a socket in DUES_HOME/pgdata (db.start_embedded): the worker's URL.
        url = f"postgresql://postgres@/dues?host={(self.home / 'pgdata').resolve()}"
        worker = self.start(
            "worker", dues, "worker", "--concurrency", "2", env=self.environment(DATABASE_URL=url)
        )

        openapi = self.call(base, "GET", "/openapi.json")
        if not openapi.get("paths"):
            raise SmokeError("/openapi.json lists no paths")
        say(f"GET /openapi.json: {len(openapi['paths'])} paths")

        creds = json.loads((self.home / "demo-credentials.json").read_text())
        basic = base64.b64encode(f"{creds['clientId']}:{creds['clientSecret']}".encode()).decode()
        token = self.call(
            base, "POST", "/oauth/token", headers={"Authorization": f"Basic {basic}"},
            form={"grant_type": "password", "username": creds["username"], "password": creds["password"]},
        )["access_token"]  # fmt: skip
        auth = {"Authorization": f"Bearer {token}"}
        say("POST /oauth/token with the demo credentials: a token")

        customer = self.call(
            base, "POST", "/api/v0/customer", headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
            body={"legalName": "Smoke Traders Pvt Ltd", "panOrGstin": "27AAPFU0939F1ZV",
                  "email": "accounts@smoke.example", "uniqueRefNo": "SMOKE-001"},
        )["payload"]  # fmt: skip
        say(f"POST /api/v0/customer: {customer['customerId']}")
        due = (date.today() + timedelta(days=30)).isoformat()
        invoice = self.call(
            base, "POST", "/api/v0/invoice", headers=auth,
            body={"customerId": customer["customerId"], "dueDate": due, "lineItems": [
                {"description": "Steel rods", "hsnSac": "7214", "quantity": 3, "unitPrice": "333.33",
                 "gstRate": 0}]},
        )["payload"]  # fmt: skip
        say(f"POST /api/v0/invoice: {invoice['invoiceId']}, total {invoice.get('totalAmount')}")
        # Drawn by Typst from the templates and fonts the wheel and its dependencies ship.
        pdf_request = urllib.request.Request(  # noqa: S310
            f"{base}/api/v0/invoice/{invoice['invoiceId']}/pdf", headers=auth
        )
        with urllib.request.urlopen(pdf_request, timeout=self.remaining(30)) as answer:  # noqa: S310
            pdf = answer.read()
        if not pdf.startswith(b"%PDF"):
            raise SmokeError(f"GET the invoice's PDF: not a PDF ({pdf[:40]!r})")
        say(f"GET /api/v0/invoice/{{id}}/pdf: a PDF of {len(pdf):,} bytes")

        self.check_worker(base, auth, worker)
        for service in (serve, worker):
            service.alive()

    def check_worker(self, base: str, auth: dict[str, str], worker: Service) -> None:
        """A bulk customer file is processed by a job; serve's in-process worker is off, so ours runs it."""
        boundary = uuid.uuid4().hex
        csv = (
            "legalName,panOrGstin,email,uniqueRefNo\n"
            "Beta Stores LLP,29AAGCB7383J1Z4,ap@beta.example,BETA-001\n"
        )
        raw = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="customers.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
        ).encode()
        headers = {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        upload = self.call(base, "POST", "/api/v0/customer/bulk", headers=headers, raw=raw)["payload"]
        limit = time.monotonic() + self.remaining(120)
        while True:
            worker.alive()
            status = self.call(base, "GET", f"/api/v0/upload/{upload['uploadId']}", headers=auth)["payload"]
            if status["status"] != "PROCESSING":
                break
            if time.monotonic() > limit:
                raise SmokeError(f"the worker left the upload PROCESSING for 120 s:\n{worker.text()[-4000:]}")
            time.sleep(0.5)
        if status["status"] != "COMPLETED":
            raise SmokeError(f"the upload ended {status['status']}: {json.dumps(status)[:2000]}")
        say(f"dues worker processed a bulk customer file: {status['status']}")

    # 5: the logs --------------------------------------------------------------------------------------------

    def check_logs(self) -> None:
        bad = []
        for service in self.services:
            lines = service.text().splitlines()
            bad += [f"{service.name}: {line}" for line in lines if BAD_LINE.search(line)]
            warnings = [line for line in lines if '"level": "warning"' in line or "Warning:" in line]
            say(f"{service.name}.log: {len(lines)} lines, {len(warnings)} warnings")
            for line in warnings[:5]:
                say(f"  {line[:300]}")
        if bad:
            raise SmokeError("errors in the logs:\n" + "\n".join(bad[:40]))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds for the whole run (default 900)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (venv, logs, database)"
    )
    args = parser.parse_args()
    started = time.monotonic()
    # A short path: PostgreSQL's socket lives in DUES_HOME/pgdata and socket paths are limited to ~100 bytes.
    smoke = Smoke(Path(tempfile.mkdtemp(prefix="dues-smoke-")), started + args.timeout)

    def interrupted(signum: int, frame: Any) -> None:
        raise SmokeError(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    failure = None
    try:
        dues = smoke.install()
        smoke.use(dues)
    except SmokeError as exc:
        failure = str(exc)
    finally:
        smoke.stop()
    try:
        smoke.check_logs()
    except SmokeError as exc:
        failure = failure or str(exc)
    if failure:
        for service in smoke.services:
            print(f"----- {service.name}.log (last 60 lines)", file=sys.stderr)
            print("\n".join(service.text().splitlines()[-60:]), file=sys.stderr)
        print(f"smoke: FAILED: {failure}", file=sys.stderr)
    if args.keep:
        say(f"kept {smoke.tmp}")
    else:
        shutil.rmtree(smoke.tmp, ignore_errors=True)
    say(f"{'failed' if failure else 'passed'} in {time.monotonic() - started:.1f} s")
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main())
