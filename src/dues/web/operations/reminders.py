"""Payment reminders as pages (api.md §7): the company's reminder rules (list, create, edit, switch on and
off, delete) and the reminders sent lately with their invoices. Writing is for every role but VIEWER, as the
API."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from dues.db import DuesRoute, SessionDep
from dues.errors import DuesError
from dues.kit.pagination import PageParams
from dues.reminders import service
from dues.reminders.schemas import MAX_STEPS, PLACEHOLDERS, ReminderChannel, ReminderRead, ReminderWrite
from dues.web.common import (
    NO_PROBLEMS,
    Problems,
    SignedIn,
    User,
    Writer,
    form_of,
    problems,
    redirect,
    render,
    text,
)
from dues.web.operations import repository

router = APIRouter(route_class=DuesRoute)

RULES_PAGE = 25
SENDS_PAGE = 25
ReminderIdPath = Annotated[str, Path(max_length=16)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
CHANNELS = [c.value for c in ReminderChannel]
CHANNEL_NAMES = {"EMAIL": "E-mail", "SMS": "SMS", "WHATSAPP": "WhatsApp"}
_STEP_KEY = re.compile(r"^steps\[(\d+)\]")


@dataclass
class StepForm:
    offset_days: str = ""
    channels: list[str] = field(default_factory=list)
    template: str = ""

    @property
    def blank(self) -> bool:
        return not (self.offset_days or self.channels or self.template)


@dataclass
class RuleForm:
    """A reminder as its form shows it: what was read, or what the person typed."""

    name: str = ""
    customer_id: str = ""
    send_at: str = "10:00"
    repeat_every_days: str = ""
    active: bool = True
    steps: list[StepForm] = field(default_factory=list)

    def padded(self) -> list[StepForm]:
        """The typed steps and room for two more (three at least): a form without scripts cannot add rows."""
        rows = list(self.steps)
        while rows and rows[-1].blank:
            rows.pop()
        return rows + [StepForm() for _ in range(max(3, len(rows) + 2) - len(rows))][: MAX_STEPS - len(rows)]

    @classmethod
    def of(cls, read: ReminderRead) -> RuleForm:
        return cls(
            name=read.name,
            customer_id=read.customer_id or "",
            send_at=read.send_at,
            repeat_every_days=str(read.repeat_every_days or ""),
            active=read.active,
            steps=[StepForm(str(s.offset_days), list(s.channels), s.template or "") for s in read.steps],
        )

    @classmethod
    def posted(cls, form: FormData) -> RuleForm:
        steps = [
            StepForm(
                text(form, f"steps[{i}].offsetDays", 10),
                [c for c in form.getlist(f"steps[{i}].channels") if isinstance(c, str) and c in CHANNELS],
                text(form, f"steps[{i}].template", 1100),
            )
            for i in range(MAX_STEPS)
        ]
        return cls(
            name=text(form, "name", 250),
            customer_id=text(form, "customerId", 40),
            send_at=text(form, "sendAt", 10),
            repeat_every_days=text(form, "repeatEveryDays", 10),
            active=bool(text(form, "active")),
            steps=steps,
        )

    def body(self) -> tuple[dict[str, Any], list[int]]:
        """The API's body, and for each of its steps the form row it came from (blank rows are left out)."""
        rows = [i for i, s in enumerate(self.steps) if not s.blank]
        return {
            "name": self.name,
            "customerId": self.customer_id or None,
            "sendAt": self.send_at or "10:00",
            "repeatEveryDays": self.repeat_every_days or None,
            "active": self.active,
            "steps": [
                {
                    "offsetDays": self.steps[i].offset_days,
                    "channels": self.steps[i].channels,
                    "template": self.steps[i].template or None,
                }
                for i in rows
            ],
        }, rows


def _on_rows(found: Problems, rows: list[int]) -> Problems:
    """The service names steps by their place in the body; the form's rows may have blanks between them."""

    def row_key(key: str) -> str:
        match = _STEP_KEY.match(key)
        if match and int(match.group(1)) < len(rows):
            return f"steps[{rows[int(match.group(1))]}]" + key[match.end() :]
        return key

    return Problems(found.message, {row_key(k): v for k, v in found.fields.items()})


async def _validated(request: Request) -> tuple[RuleForm, ReminderWrite | Problems]:
    rule = RuleForm.posted(await form_of(request))
    body, rows = rule.body()
    try:
        return rule, ReminderWrite.model_validate(body)
    except ValidationError as exc:
        return rule, _on_rows(problems(exc), rows)


def _form_page(
    request: Request,
    user: User,
    rule: RuleForm,
    *,
    reminder: ReminderRead | None = None,
    refused: Problems = NO_PROBLEMS,
    code: int = 200,
) -> Response:
    return render(
        request,
        "operations/reminder.html",
        code,
        user=user,
        rule=rule,
        steps=rule.padded(),
        reminder=reminder,
        channels=CHANNELS,
        channel_names=CHANNEL_NAMES,
        placeholders=PLACEHOLDERS,
        problems=refused,
    )


@router.get("/app/reminders")
async def reminders(
    request: Request,
    user: SignedIn,
    session: SessionDep,
    offset: Offset = 0,
    sendsOffset: Offset = 0,
) -> Response:
    rules = await service.list_(session, user.company_id, None, PageParams(RULES_PAGE, offset, None, True))
    sends, sends_total = await repository.recent_sends(session, user.company_id, SENDS_PAGE, sendsOffset)
    return render(
        request,
        "operations/reminders.html",
        user=user,
        rules=rules,
        offset=offset,
        page_size=RULES_PAGE,
        sends=sends,
        sends_total=sends_total,
        sends_offset=sendsOffset,
        sends_page_size=SENDS_PAGE,
    )


@router.get("/app/reminders/new")
async def new(request: Request, user: Writer) -> Response:
    return _form_page(request, user, RuleForm(steps=[StepForm("0", ["EMAIL"])]))


@router.post("/app/reminders")
async def create(request: Request, user: Writer, session: SessionDep) -> Response:
    rule, checked = await _validated(request)
    if isinstance(checked, Problems):
        return _form_page(request, user, rule, refused=checked, code=422)
    try:
        created = await service.create(session, user.principal, user.company_id, checked)
    except DuesError as exc:
        return _form_page(request, user, rule, refused=problems(exc), code=exc.status_code)
    return redirect(request, "/app/reminders", flash=f"Reminder {created.name} created.")


@router.get("/app/reminders/{reminder_id}")
async def reminder(
    request: Request, reminder_id: ReminderIdPath, user: SignedIn, session: SessionDep
) -> Response:
    read = await service.get(session, user.company_id, reminder_id)
    return _form_page(request, user, RuleForm.of(read), reminder=read)


@router.post("/app/reminders/{reminder_id}")
async def update(
    request: Request, reminder_id: ReminderIdPath, user: Writer, session: SessionDep
) -> Response:
    current = await service.get(session, user.company_id, reminder_id)
    rule, checked = await _validated(request)
    if isinstance(checked, Problems):
        return _form_page(request, user, rule, reminder=current, refused=checked, code=422)
    try:
        updated = await service.update(session, user.principal, user.company_id, reminder_id, checked)
    except DuesError as exc:
        return _form_page(request, user, rule, reminder=current, refused=problems(exc), code=exc.status_code)
    return redirect(request, "/app/reminders", flash=f"Reminder {updated.name} saved.")


@router.post("/app/reminders/{reminder_id}/active")
async def switch(
    request: Request, reminder_id: ReminderIdPath, user: Writer, session: SessionDep
) -> Response:
    """On or off: the API's PUT of the reminder as it is, with only ``active`` changed."""
    active = text(await form_of(request), "active") == "true"
    current = await service.get(session, user.company_id, reminder_id)
    body = ReminderWrite.model_validate({**current.model_dump(mode="json", by_alias=True), "active": active})
    updated = await service.update(session, user.principal, user.company_id, reminder_id, body)
    state = "on: it sends again" if updated.active else "off: nothing more is sent under it"
    return redirect(request, "/app/reminders", flash=f"Reminder {updated.name} is {state}.")


@router.post("/app/reminders/{reminder_id}/delete")
async def delete(
    request: Request, reminder_id: ReminderIdPath, user: Writer, session: SessionDep
) -> Response:
    try:
        deleted = await service.delete(session, user.principal, user.company_id, reminder_id)
    except DuesError as exc:
        if exc.status_code == 404:
            raise
        # In use (409): the reminder's page again, with where it is used and what to do instead.
        current = await service.get(session, user.company_id, reminder_id)
        return _form_page(
            request, user, RuleForm.of(current), reminder=current, refused=problems(exc), code=exc.status_code
        )
    return redirect(request, "/app/reminders", flash=f"Reminder {deleted.name} deleted.")
