"""Approval of invoices (api.md §4.2): which step an invoice is at, who may take it, and where it goes.

The chain is the company's setting at the time of the action. Separation of duties is strict: the checker
step is a CHECKER's, the approver step an APPROVER's (an ADMIN creates and submits, but does not approve),
and nobody approves or rejects an invoice they created.
"""

from __future__ import annotations

from dataclasses import dataclass

from dues.errors import Forbidden, Unprocessable
from dues.invoices.schemas import ApprovalAction, ApprovalStatus

S = ApprovalStatus
MAKERS = frozenset({"ADMIN", "MAKER"})
REJECTED = frozenset({S.CHECKER_REJECTED, S.APPROVER_REJECTED, S.MAKER_REJECTED})


@dataclass(frozen=True)
class Step:
    role: str
    approved: ApprovalStatus
    rejected: ApprovalStatus


def _pending_step(status: ApprovalStatus, chain: str) -> Step | None:
    if status is S.CHECKER_APPROVAL_PENDING:
        after = S.CHECKER_APPROVED if chain == "MAKER_CHECKER" else S.APPROVER_APPROVAL_PENDING
        return Step("CHECKER", after, S.CHECKER_REJECTED)
    if status is S.APPROVER_APPROVAL_PENDING:
        return Step("APPROVER", S.APPROVER_APPROVED, S.APPROVER_REJECTED)
    return None


def is_approved(status: ApprovalStatus, chain: str) -> bool:
    """Fully approved under the chain: the only state from which an invoice may be dispatched."""
    return status in (S.APPROVER_APPROVED, S.BANK_APPROVED) or (
        chain == "MAKER_CHECKER" and status is S.CHECKER_APPROVED
    )


def next_status(
    status: ApprovalStatus,
    chain: str,
    action: ApprovalAction,
    *,
    role: str,
    actor: str,
    creator: str,
    document: str = "invoice",
) -> ApprovalStatus:
    """Where ``action`` by ``actor`` takes an invoice (or another ``document`` that follows the same chain:
    a credit note) at ``status``; 403 or 422 saying why it cannot."""
    a = "an" if document[:1] in "aeiou" else "a"
    if chain == "NONE":
        raise Unprocessable(
            f"This company has no approval chain (approvalChain NONE): {document}s are approved when created."
        )
    if action is ApprovalAction.SUBMIT:
        if role not in MAKERS:
            raise Forbidden(f"Only an ADMIN or a MAKER submits {a} {document} for approval.")
        if status not in REJECTED:
            raise Unprocessable(f"Only a rejected {document} is submitted again; this one is {status.value}.")
        return S.CHECKER_APPROVAL_PENDING
    step = _pending_step(status, chain)
    if step is None:
        raise Unprocessable(f"The {document} is not waiting for approval; it is {status.value}.")
    if actor == creator:
        raise Forbidden(f"You created this {document}: someone else must approve or reject it.")
    if role != step.role:
        raise Forbidden(f"This step is a {step.role}'s; your role is {role}.")
    return step.approved if action is ApprovalAction.APPROVE else step.rejected
