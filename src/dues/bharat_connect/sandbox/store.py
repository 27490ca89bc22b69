"""All SQL of the sandbox network: its message log, the invoices its buyer sees, its scripted rules.

These are the network's own records, as a real peer keeps its own; no table of dues's is read or written.
Bodies go in as exact JSON text and come out through text, so amounts keep their digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from dues.bharat_connect.network import parse


@dataclass(frozen=True)
class Message:
    message_no: int
    direction: str
    path: str
    req_msg_id: str | None
    supplier_b2b_id: str | None
    body: dict[str, Any]
    status_code: int | None
    created_on: datetime


_SELECT_MESSAGE = (
    "SELECT message_no, direction, path, req_msg_id, supplier_b2b_id, body::text, status_code, created_on "
    "FROM bcs_messages "
)


def _message(row: Any) -> Message:
    return Message(row[0], row[1], row[2], row[3], row[4], parse(row[5]), row[6], row[7])


async def add_message(
    session: AsyncSession,
    direction: str,
    path: str,
    req_msg_id: str | None,
    supplier_b2b_id: str | None,
    body: str,
    status_code: int | None,
) -> int:
    result = await session.execute(
        text(
            "INSERT INTO bcs_messages (direction, path, req_msg_id, supplier_b2b_id, body, status_code) "
            "VALUES (:direction, :path, :req_msg_id, :supplier, CAST(:body AS jsonb), :status_code) "
            "RETURNING message_no"
        ),
        {
            "direction": direction,
            "path": path,
            "req_msg_id": req_msg_id,
            "supplier": supplier_b2b_id,
            "body": body,
            "status_code": status_code,
        },
    )
    return int(result.scalar_one())


async def set_status(session: AsyncSession, message_no: int, status_code: int | None) -> None:
    await session.execute(
        text("UPDATE bcs_messages SET status_code = :status WHERE message_no = :no"),
        {"status": status_code, "no": message_no},
    )


async def message(session: AsyncSession, message_no: int) -> Message | None:
    row = (
        await session.execute(
            text(_SELECT_MESSAGE + "WHERE message_no = :no"),
            {"no": message_no},
        )
    ).first()
    return None if row is None else _message(row)


async def messages(
    session: AsyncSession,
    *,
    direction: str | None = None,
    path: str | None = None,
    supplier_b2b_id: str | None = None,
    after: int = 0,
    limit: int = 500,
) -> list[Message]:
    """Messages in the order they came, optionally of one direction, path or supplier, after a number."""
    rows = await session.execute(
        text(
            _SELECT_MESSAGE + "WHERE message_no > :after"
            " AND (CAST(:direction AS varchar) IS NULL OR direction = :direction)"
            " AND (CAST(:path AS varchar) IS NULL OR path = :path)"
            " AND (CAST(:supplier AS varchar) IS NULL OR supplier_b2b_id = :supplier)"
            " ORDER BY message_no LIMIT :limit"
        ),
        {"after": after, "limit": limit, "direction": direction, "path": path, "supplier": supplier_b2b_id},
    )
    return [_message(row) for row in rows.all()]


async def taken_before(session: AsyncSession, path: str, req_msg_id: str) -> bool:
    """Whether the sandbox already took a supplier's message with this id at this path (a resend)."""
    row = await session.execute(
        text(
            "SELECT 1 FROM bcs_messages WHERE direction = 'IN' AND path = :path AND req_msg_id = :id"
            " AND status_code = 200 LIMIT 1"
        ),
        {"path": path, "id": req_msg_id},
    )
    return row.first() is not None


async def sent_payment(session: AsyncSession, payment_object_id: str) -> Message | None:
    """The req-pay the sandbox sent (and the supplier took) with this payment objectId."""
    row = (
        await session.execute(
            text(
                _SELECT_MESSAGE + "WHERE direction = 'OUT' "
                "AND path = '/api/v0/payment/req-pay' AND body->'payment'->>'objectId' = :object_id "
                "AND status_code BETWEEN 200 AND 299 ORDER BY message_no LIMIT 1"
            ),
            {"object_id": payment_object_id},
        )
    ).first()
    return None if row is None else _message(row)


async def sent_cd_note(session: AsyncSession, object_id: str) -> Message | None:
    """The newest cd-note the supplier sent with this objectId."""
    row = (
        await session.execute(
            text(
                _SELECT_MESSAGE + "WHERE direction = 'IN' "
                "AND path = '/api/v0/cd-note/req-send' AND body->'cdNote'->>'objectId' = :object_id "
                "AND status_code BETWEEN 200 AND 299 ORDER BY message_no DESC LIMIT 1"
            ),
            {"object_id": object_id},
        )
    ).first()
    return None if row is None else _message(row)


# Invoices.


@dataclass(frozen=True)
class Invoice:
    supplier_b2b_id: str
    object_id: str
    buyer_b2b_id: str
    supplier_invoice_number: str
    version: int
    status: str
    total: Decimal
    due: Decimal
    body: dict[str, Any]
    updated_on: datetime


_SELECT_INVOICE = (
    "SELECT supplier_b2b_id, object_id, buyer_b2b_id, supplier_invoice_number, version, status, total, due, "
    "body::text, updated_on FROM bcs_invoices "
)


def _invoice(row: Any) -> Invoice:
    return Invoice(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], parse(row[8]), row[9])


async def put_invoice(
    session: AsyncSession,
    supplier_b2b_id: str,
    object_id: str,
    buyer_b2b_id: str,
    number: str,
    version: int,
    status: str,
    total: Decimal,
    due: Decimal,
    body: str,
) -> None:
    """An invoice presented, or a new version of it (an edit presents it again)."""
    await session.execute(
        text(
            "INSERT INTO bcs_invoices (supplier_b2b_id, object_id, buyer_b2b_id, supplier_invoice_number,"
            " version, status, total, due, body) "
            "VALUES (:supplier, :object_id, :buyer, :number, :version, :status, :total, :due,"
            " CAST(:body AS jsonb)) "
            "ON CONFLICT (supplier_b2b_id, object_id) DO UPDATE SET buyer_b2b_id = excluded.buyer_b2b_id,"
            " supplier_invoice_number = excluded.supplier_invoice_number, version = excluded.version,"
            " status = excluded.status, total = excluded.total, due = excluded.due, body = excluded.body,"
            " updated_on = now()"
        ),
        {
            "supplier": supplier_b2b_id,
            "object_id": object_id,
            "buyer": buyer_b2b_id,
            "number": number,
            "version": version,
            "status": status,
            "total": total,
            "due": due,
            "body": body,
        },
    )


async def invoice(session: AsyncSession, object_id: str, *, for_update: bool = False) -> Invoice | None:
    """The invoice with this objectId (objectIds are unique on the network, whoever presented them)."""
    query = _SELECT_INVOICE + "WHERE object_id = :object_id ORDER BY updated_on DESC LIMIT 1"
    if for_update:
        query += " FOR UPDATE"
    row = (await session.execute(text(query), {"object_id": object_id})).first()
    return None if row is None else _invoice(row)


async def invoices(session: AsyncSession, buyer_b2b_id: str | None = None, limit: int = 200) -> list[Invoice]:
    rows = await session.execute(
        text(
            _SELECT_INVOICE + "WHERE CAST(:buyer AS varchar) IS NULL OR buyer_b2b_id = :buyer "
            "ORDER BY updated_on DESC LIMIT :limit"
        ),
        {"buyer": buyer_b2b_id, "limit": limit},
    )
    return [_invoice(row) for row in rows.all()]


async def set_invoice(
    session: AsyncSession, supplier_b2b_id: str, object_id: str, status: str, due: Decimal | None = None
) -> None:
    await session.execute(
        text(
            "UPDATE bcs_invoices SET status = :status, due = coalesce(:due, due), updated_on = now() "
            "WHERE supplier_b2b_id = :supplier AND object_id = :object_id"
        ),
        {"status": status, "due": due, "supplier": supplier_b2b_id, "object_id": object_id},
    )


# Rules.


@dataclass(frozen=True)
class Rule:
    rule_no: int
    buyer_b2b_id: str | None
    action: str
    argument: str | None
    remaining: int | None
    created_on: datetime


_RETURNING_RULE = " RETURNING rule_no, buyer_b2b_id, action, argument, remaining, created_on"


async def add_rule(
    session: AsyncSession, buyer_b2b_id: str | None, action: str, argument: str | None, remaining: int | None
) -> Rule:
    row = (
        await session.execute(
            text(
                "INSERT INTO bcs_rules (buyer_b2b_id, action, argument, remaining) "
                "VALUES (:buyer, :action, :argument, :remaining)" + _RETURNING_RULE
            ),
            {"buyer": buyer_b2b_id, "action": action, "argument": argument, "remaining": remaining},
        )
    ).one()
    return Rule(*row)


async def rules(session: AsyncSession) -> list[Rule]:
    rows = await session.execute(
        text(
            "SELECT rule_no, buyer_b2b_id, action, argument, remaining, created_on FROM bcs_rules"
            " ORDER BY rule_no"
        )
    )
    return [Rule(*row) for row in rows.all()]


async def clear_rules(session: AsyncSession) -> int:
    return (await session.execute(text("DELETE FROM bcs_rules"))).rowcount  # type: ignore[attr-defined,no-any-return]


async def take_rule(session: AsyncSession, actions: tuple[str, ...], buyer_b2b_id: str | None) -> Rule | None:
    """The first rule of these actions that applies (to this buyer, or to any), used once: its remaining
    count goes down by one (a rule without a count applies every time)."""
    row = (
        await session.execute(
            text(
                "WITH hit AS (SELECT rule_no FROM bcs_rules WHERE action = ANY(:actions)"
                " AND (buyer_b2b_id IS NULL OR buyer_b2b_id = :buyer)"
                " AND (remaining IS NULL OR remaining > 0) ORDER BY rule_no LIMIT 1 FOR UPDATE) "
                "UPDATE bcs_rules r SET remaining = CASE WHEN r.remaining IS NULL THEN NULL"
                " ELSE r.remaining - 1 END FROM hit WHERE r.rule_no = hit.rule_no"
                " RETURNING r.rule_no, r.buyer_b2b_id, r.action, r.argument, r.remaining, r.created_on"
            ),
            {"actions": list(actions), "buyer": buyer_b2b_id},
        )
    ).first()
    return None if row is None else Rule(*row)


# Entities the sandbox has heard of, for its search: businesses that registered, and parties of invoices.


async def known_parties(session: AsyncSession, limit: int = 2000) -> list[dict[str, Any]]:
    rows = await session.execute(
        text(
            "SELECT p::text FROM ("
            "  SELECT body->'entity' AS p, message_no AS n FROM bcs_messages"
            "  WHERE direction = 'IN' AND path = '/api/v0/business-onboarding/reg-entity'"
            "  UNION ALL SELECT body->'buyerDetails', 0 FROM bcs_invoices"
            "  UNION ALL SELECT body->'supplierDetails', 0 FROM bcs_invoices"
            ") parties WHERE p IS NOT NULL AND jsonb_typeof(p) = 'object' ORDER BY n DESC LIMIT :limit"
        ),
        {"limit": limit},
    )
    return [party for (raw,) in rows.all() if isinstance(party := parse(raw), dict)]
