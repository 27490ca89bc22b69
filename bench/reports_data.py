"""The data of bench/reports.py: one seller's three years of receivables, as dues itself would write them.

One company; ``customers`` customers (the first of them, ``STATEMENT_CUSTOMER``, buys ``statement_invoices``
invoices over two years and pays each with one payment, for the ~1,000-line statement); ``invoices`` invoices
dated over the last ``days`` days up to today, due 15/30/45/60/90 days later; and their movements:

- payments in one to three installments, most invoices paid in full, some in part; the last installment of
  some pays more than is owed (the rest is the customer's credit, a part of it refunded later);
- the buyer's TDS with the first installment, for customers that deduct it (194C 2 %, 194J 10 %, 194Q 0.1 %),
  with its TDS register entry;
- credit notes (applied whole to their invoice), write-offs of what bad payers left, a few cheques bounced
  (the payment reversed, a replacement payment later) and invoices withdrawn from collection.

Everything is made by set-based SQL: a plan (one row per invoice, with every movement's day and amount, and
only what happened by today), then each table from the plan, then the ledger's entries from the tables,
the way migration 0019 writes them for existing data. The rows obey every CHECK (``paid + credited +
written_off + tds + balance = total``, a payment's parts make its amount, a reversed payment keeps its
allocations) and the ledger's invariant, which the database checks for every customer at COMMIT. Audit rows,
events, messages and invoice lines are not written: reports do not read them.

With ``triggers=True`` (the default) the statement triggers of 0019 and 0020 keep the summaries while the
entries go in, as they do for every movement. With ``triggers=False`` they are disabled for the load and the
summaries are rebuilt afterwards exactly as 0019's and 0020's backfills build them (the per-customer summary
is inserted, so the deferred check still reads every customer at COMMIT).
"""

# The SQL below is assembled from this file's own constants and expressions; no input reaches it but bound
# parameters.
# ruff: noqa: S608

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

STATEMENT_CUSTOMER = 0


@dataclass(frozen=True)
class Shape:
    customers: int = 100_000
    invoices: int = 1_000_000
    days: int = 1095
    statement_invoices: int = 500
    seed: float = 0.4242


def customer_id(k: str) -> str:
    """SQL: the id of customer number ``k`` (an SQL expression)."""
    return f"'KC' || upper(substr(md5(%(salt)s || 'c' || ({k})), 1, 14))"


def _id(prefix: str, length: int, *parts: str) -> str:
    joined = " || '.' || ".join(f"({p})" for p in parts)
    return f"'{prefix}' || upper(substr(md5(%(salt)s || '{prefix}' || {joined}), 1, {length}))"


def _at(day: str, hour: str = "10") -> str:
    """SQL: a moment on ``day`` during Indian office hours."""
    return (
        f"(({day}) + time '{hour}:00' + make_interval(mins => mod(g * 7, 420))) AT TIME ZONE 'Asia/Kolkata'"
    )


def _fy(day: str) -> str:
    return f"(extract(year FROM {day})::int - CASE WHEN extract(month FROM {day}) < 4 THEN 1 ELSE 0 END)"


def _head(prefix: str, fy: str) -> str:
    """SQL: a series number's fixed part, as dues.invoices.kinds.series_head makes it."""
    return (
        f"'{prefix}' || lpad(mod({fy}, 100)::text, 2, '0') || lpad(mod({fy} + 1, 100)::text, 2, '0') || '-'"
    )


OTHER_STATES = "ARRAY['Gujarat', 'Karnataka', 'Tamil Nadu', 'Delhi', 'Telangana', 'Uttar Pradesh']"
NAMES = (
    "ARRAY['Shree', 'Balaji', 'Ganesh', 'Kaveri', 'Sai', 'Lakshmi', 'Tirupati', 'Sahyadri', 'Deccan', "
    "'Konkan', 'Narmada', 'Patel', 'Mehta', 'Apex', 'Royal', 'Sunrise', 'Ashoka', 'Maruti', 'Omkar', 'Surya']"
)
TRADES = (
    "ARRAY['Traders', 'Industries', 'Textiles', 'Pharma', 'Steel', 'Enterprises', 'Agencies', 'Logistics', "
    "'Chemicals', 'Polymers', 'Foods', 'Engineering', 'Electricals', 'Packaging', 'Exports', 'Motors']"
)

# 70 % of the customers are in the seller's state (CGST + SGST), the rest pay IGST; one in seven deducts TDS.
CUSTOMERS = f"""
INSERT INTO customers (company_id, customer_id, legal_name, pan_or_gstin, email, contact_number, address,
                       state, pin_code, status, deleted, credit_balance, tds_section, tds_rate, created_on,
                       updated_on)
SELECT %(company)s, {customer_id("k")},
       CASE WHEN k = {STATEMENT_CUSTOMER} THEN 'Statement Bench Buyers Pvt Ltd'
            ELSE ({NAMES})[1 + mod(k, 20)] || ' ' || ({TRADES})[1 + mod(k / 20, 16)] || ' Pvt Ltd ' || k END,
       'AAAC' || chr(65 + mod(k, 26)) || lpad(mod(k, 10000)::text, 4, '0') || chr(65 + mod(k / 26, 26)),
       'accounts' || k || '@example.com', '98' || lpad(mod(k * 7919, 100000000)::text, 8, '0'),
       mod(k, 500) || ', MIDC Industrial Area',
       CASE WHEN mod(k, 10) < 7 THEN 'Maharashtra' ELSE ({OTHER_STATES})[1 + mod(k, 6)] END,
       (400001 + mod(k, 45000))::text, 'ACTIVE', false, 0,
       CASE mod(k, 20) WHEN 3 THEN '194C' WHEN 11 THEN '194J' WHEN 17 THEN '194Q' END,
       CASE mod(k, 20) WHEN 3 THEN 2.00 WHEN 11 THEN 10.00 WHEN 17 THEN 0.10 END,
       now() - interval '1200 days', now() - interval '1200 days'
  FROM generate_series(0, %(customers)s - 1) AS k
"""

# One row per invoice: its customer, dates, amounts and every movement on it, kept only where it happened by
# today. u_* are independent uniform draws. The statement customer (k = 0) gets the first invoices, one every
# day and a half over two years, each paid in full by one payment around its due date.
LAST_MOVED = (
    "greatest(invoice_date, coalesce(wo_on, rep_on, rev_on, withdrawn_on, CASE WHEN m > 0 THEN pay_last END))"
)
PLAN = f"""
CREATE UNLOGGED TABLE bench_plan AS
WITH r AS MATERIALIZED (
    SELECT g,
           CASE WHEN g <= %(statement_invoices)s THEN {STATEMENT_CUSTOMER}
                ELSE 1 + floor((%(customers)s - 1) * power(random(), 1.5))::int END AS k,
           random() AS u_date, random() AS u_terms, random() AS u_base, random() AS u_cat, random() AS u_late,
           random() AS u_n, random() AS u_frac, random() AS u_cn, random() AS u_x, random() AS u_x2,
           random() AS u_mode
      FROM generate_series(1, %(invoices)s) AS g
), a AS MATERIALIZED (
    SELECT r.*,
           CASE WHEN k = 0 THEN %(today)s - (%(statement_invoices)s - g) * 730 / %(statement_invoices)s
                ELSE %(today)s - floor(u_date * %(days)s)::int END AS invoice_date,
           CASE WHEN k = 0 THEN 30
                ELSE (ARRAY[15, 30, 30, 45, 60, 90])[1 + floor(u_terms * 6)::int] END AS terms,
           CASE WHEN k = 0 THEN round((5000 + 95000 * u_base)::numeric, 2)
                ELSE round((500 * power(2000, u_base))::numeric, 2) END AS base,
           mod(k, 10) < 7 AS intra,
           CASE mod(k, 20) WHEN 3 THEN 2.00 WHEN 11 THEN 10.00 WHEN 17 THEN 0.10 END::numeric AS tds_rate,
           CASE mod(k, 20) WHEN 3 THEN '194C' WHEN 11 THEN '194J' WHEN 17 THEN '194Q' END AS tds_section,
           CASE WHEN k = 0 THEN 'FULL' WHEN u_cat < 0.01 THEN 'WITHDRAWN' WHEN u_cat < 0.06 THEN 'BAD'
                WHEN u_cat < 0.13 THEN 'PARTIAL' ELSE 'FULL' END AS cat,
           (ARRAY['NEFT', 'NEFT', 'NEFT', 'NEFT', 'UPI', 'UPI', 'RTGS', 'IMPS', 'CHEQUE', 'CHEQUE', 'CHEQUE',
                  'CASH'])[1 + floor(u_mode * 12)::int] AS mode
      FROM r
), b AS MATERIALIZED (
    SELECT a.*, invoice_date + terms AS due_date,
           CASE WHEN intra THEN round(base * 0.09, 2) ELSE 0 END AS cgst,
           CASE WHEN intra THEN 0 ELSE round(base * 0.18, 2) END AS igst,
           CASE WHEN cat IN ('FULL', 'PARTIAL') THEN
                     CASE WHEN k = 0 OR u_n < 0.45 THEN 1 WHEN u_n < 0.8 THEN 2 ELSE 3 END
                WHEN cat = 'BAD' AND u_frac < 0.5 THEN 1 ELSE 0 END AS n,
           -- the day of the last installment: early payers pay before the due date, many after it
           CASE WHEN cat = 'BAD' THEN invoice_date + terms + 30 + floor(u_late * 60)::int
                ELSE greatest(invoice_date + 1,
                              invoice_date + terms + floor(-0.6 * terms + power(u_late, 2.5) * 120)::int)
           END AS pay_last,
           CASE WHEN k > 0 AND cat IN ('FULL', 'PARTIAL') AND u_cn < 0.06
                 AND invoice_date + 1 + floor(u_cn * 80)::int <= %(today)s
                THEN invoice_date + 1 + floor(u_cn * 80)::int END AS cn_on
      FROM a
), c AS MATERIALIZED (
    SELECT b.*, base + 2 * cgst + igst AS total,
           CASE WHEN cn_on IS NOT NULL
                THEN round((base + 2 * cgst + igst) * (0.05 + 0.25 * u_cn / 0.06)::numeric, 2)
                ELSE 0 END AS cn,
           greatest(pay_last - invoice_date, 1) AS span
      FROM b
), d AS MATERIALIZED (
    -- m: the installments paid by today (installment s falls on invoice_date + ceil(span * s / n))
    SELECT c.*,
           CASE WHEN n = 0 THEN 0
                ELSE least(n, floor((%(today)s - invoice_date)::numeric * n / span)::int) END AS m
      FROM c
), e AS MATERIALIZED (
    SELECT d.*,
           CASE WHEN m > 0 AND tds_rate IS NOT NULL THEN round(base * tds_rate / 100, 2) ELSE 0 END AS tds
      FROM d
), f AS MATERIALIZED (
    SELECT e.*,
           CASE WHEN n = 0 THEN 0
                WHEN cat = 'FULL' THEN total - cn - tds
                ELSE round((total - cn - tds) * (0.2 + 0.6 * u_frac)::numeric, 2) END AS rp,
           -- a cheque that bounced five days later, paid again by transfer two weeks after that
           k > 0 AND cat = 'FULL' AND n = 1 AND mode = 'CHEQUE' AND tds = 0 AND cn = 0 AND u_x < 0.03
               AND m = 1 AND pay_last + 5 <= %(today)s AS bounced,
           -- a last installment that paid more than was owed: the rest is credit, some of it refunded
           CASE WHEN k > 0 AND cat = 'FULL' AND n = 1 AND m = 1 AND u_x >= 0.03 AND u_x < 0.04
                THEN round((100 + 4900 * u_x2)::numeric, 2) ELSE 0 END AS extra
      FROM e
), h AS MATERIALIZED (
    SELECT f.*,
           CASE WHEN n > 0 THEN round(rp / n, 2) ELSE 0 END AS inst,
           CASE WHEN bounced THEN pay_last + 5 END AS rev_on,
           CASE WHEN bounced AND pay_last + 20 <= %(today)s THEN pay_last + 20 END AS rep_on,
           CASE WHEN extra > 0 AND u_x2 < 0.4 AND pay_last + 30 <= %(today)s THEN pay_last + 30 END
               AS refund_on,
           CASE WHEN cat = 'WITHDRAWN' THEN least(invoice_date + 3 + floor(u_x * 20)::int, %(today)s) END
               AS withdrawn_on,
           CASE WHEN cat = 'BAD' AND due_date + 180 <= %(today)s THEN due_date + 180
                WHEN cat = 'PARTIAL' AND u_x < 0.5 AND due_date + 365 <= %(today)s THEN due_date + 365
           END AS wo_on
      FROM f
), i AS MATERIALIZED (
    SELECT h.*,
           CASE WHEN m = 0 OR (rev_on IS NOT NULL AND rep_on IS NULL) THEN 0
                WHEN m = n THEN rp ELSE m * inst END AS paid
      FROM h
), j AS MATERIALIZED (
    SELECT i.*, CASE WHEN wo_on IS NOT NULL THEN total - cn - tds - paid ELSE 0 END AS wo
      FROM i
)
SELECT g, k, {customer_id("k")} AS customer_id, {_id("INV", 13, "g")} AS invoice_id,
       {_fy("invoice_date")} AS fy, invoice_date, due_date, terms, base, cgst, igst, total, intra,
       tds_rate, tds_section, cat, mode, n, m, span, rp, inst, cn, cn_on, tds, paid, extra, refund_on,
       bounced, rev_on, rep_on, withdrawn_on, wo, wo_on, pay_last,
       total - paid - tds - cn - wo AS balance,
       CASE WHEN withdrawn_on IS NOT NULL THEN 'COLLECTION_DELETED'
            WHEN total - paid - tds - cn - wo = 0 THEN CASE WHEN wo > 0 THEN 'WRITTEN_OFF' ELSE 'PAID' END
            WHEN paid + tds > 0 THEN 'PARTIALLY_PAID'
            WHEN m = 0 AND cn = 0 AND u_x2 > 0.96 THEN 'CREATED'
            ELSE 'DISPATCHED' END AS status
  FROM j
"""

INVOICES = f"""
INSERT INTO invoices (company_id, invoice_id, customer_id, invoice_number, financial_year, invoice_date,
                      due_date, place_of_supply, gst_exclusive, base_amount, cgst, sgst, igst, cess,
                      total_amount, paid_amount, credited_amount, written_off_amount, tds_amount,
                      balance_amount,
                      charge_customer, description, partial_payment_allowed, approval_status, status,
                      collection_mode, created_via, dispatched, dispatched_on, created_by, created_on,
                      updated_on, overdue_evented_on, document_type, posted)
SELECT %(company)s, invoice_id, customer_id,
       {_head("INV", "fy")}
           || lpad((row_number() OVER (PARTITION BY fy ORDER BY invoice_date, g))::text, 8, '0'),
       fy, invoice_date, due_date,
       CASE WHEN intra THEN 'Maharashtra' ELSE ({OTHER_STATES})[1 + mod(k, 6)] END,
       true, base, cgst, cgst, igst, 0, total, paid, cn, wo, tds, balance, false,
       'Supply of goods as per PO ' || g, mod(g, 5) = 0, 'APPROVER_APPROVED', status,
       CASE WHEN mod(g, 3) = 0 THEN '{{UPI,NETBANKING,CARD}}'::varchar[] ELSE '{{}}'::varchar[] END,
       CASE WHEN mod(g, 10) < 7 THEN 'API' ELSE 'BULK_UPLOAD' END,
       status <> 'CREATED', CASE WHEN status <> 'CREATED' THEN {_at("invoice_date", "12")} END,
       %(company)s, {_at("invoice_date")},
       {_at(LAST_MOVED, "15")},
       CASE WHEN status IN ('DISPATCHED', 'PARTIALLY_PAID') AND due_date < %(today)s
            THEN {_at("due_date + 1", "06")} END,
       'TAX_INVOICE', withdrawn_on IS NULL
  FROM bench_plan
 ORDER BY invoice_date, g
"""

CREDIT_NOTES = f"""
INSERT INTO credit_notes (company_id, credit_note_id, customer_id, note_number, financial_year, note_date,
                          reason, description, base_amount, cgst, sgst, igst, cess, total_amount,
                          applied_amount, unapplied_amount, refunded_amount, approval_status, status, posted,
                          dispatched, created_by, created_on, updated_on)
SELECT %(company)s, {_id("CN", 14, "g")}, customer_id,
       {_head("CN", _fy("cn_on"))}
           || lpad((row_number() OVER (PARTITION BY {_fy("cn_on")} ORDER BY cn_on, g))::text, 9, '0'),
       {_fy("cn_on")}, cn_on,
       (ARRAY['SALES_RETURN', 'POST_SALE_DISCOUNT', 'DEFICIENCY_IN_SERVICES'])[1 + mod(g, 3)],
       'Against invoice ' || invoice_id, round(cn / 1.18, 2),
       CASE WHEN intra THEN round((cn - round(cn / 1.18, 2)) / 2, 2) ELSE 0 END,
       CASE WHEN intra THEN cn - round(cn / 1.18, 2) - round((cn - round(cn / 1.18, 2)) / 2, 2) ELSE 0 END,
       CASE WHEN intra THEN 0 ELSE cn - round(cn / 1.18, 2) END, 0, cn, cn, 0, 0,
       'APPROVER_APPROVED', 'ISSUED', true, false, %(user)s, {_at("cn_on", "11")}, {_at("cn_on", "11")}
  FROM bench_plan WHERE cn > 0
"""

CREDIT_NOTE_PARTS = f"""
INSERT INTO credit_note_invoices (company_id, credit_note_id, invoice_id, base_amount, cgst, sgst, igst, cess,
                                  total_amount)
SELECT n.company_id, n.credit_note_id, p.invoice_id, n.base_amount, n.cgst, n.sgst, n.igst, 0, n.total_amount
  FROM bench_plan p
  JOIN credit_notes n ON n.company_id = %(company)s AND n.credit_note_id = {_id("CN", 14, "p.g")}
 WHERE p.cn > 0;
INSERT INTO credit_note_allocations (company_id, credit_note_id, invoice_id, amount)
SELECT %(company)s, {_id("CN", 14, "g")}, invoice_id, cn FROM bench_plan WHERE cn > 0
"""

# Installment s of m; the bounced cheque's replacement is installment 9.
_INSTALLMENTS = """
  FROM bench_plan CROSS JOIN LATERAL generate_series(1, m) AS s
  CROSS JOIN LATERAL (
      SELECT invoice_date + ceil(span::numeric * s / n)::int AS paid_on,
             CASE WHEN s = n THEN rp - (n - 1) * inst ELSE inst END AS alloc,
             CASE WHEN s = n THEN extra ELSE 0 END AS over,
             CASE WHEN s = n AND refund_on IS NOT NULL THEN extra ELSE 0 END AS refunded,
             CASE WHEN s = 1 THEN tds ELSE 0 END AS tds_s,
             CASE WHEN s = 1 THEN mode ELSE (ARRAY['NEFT', 'UPI', 'RTGS', 'IMPS'])[1 + mod(g + s, 4)] END
                 AS mode_s
  ) AS x
"""
_REPLACEMENTS = """
  FROM bench_plan CROSS JOIN LATERAL (
      SELECT 9 AS s, rep_on AS paid_on, rp AS alloc, 0 AS over, 0 AS refunded, 0 AS tds_s, 'NEFT' AS mode_s
  ) AS x
 WHERE rep_on IS NOT NULL
"""


def _payments(source: str) -> str:
    return f"""
SELECT %(company)s, {_id("PAY", 13, "g", "s")}, customer_id, mode_s, alloc + over, alloc, over - refunded,
       refunded,
       CASE WHEN mode_s = 'CHEQUE' THEN 'CHQ' WHEN mode_s = 'CASH' THEN 'RCPT' ELSE 'UTR' END
           || lpad(g::text, 8, '0') || '-' || s,
       paid_on, %(user)s, {_at("paid_on", "13")},
       {_at("coalesce(CASE WHEN s = 1 THEN rev_on END, paid_on)", "13")},
       CASE WHEN tds_s > 0 THEN tds_section END, NULL,
       CASE WHEN tds_s > 0 THEN 'MUMK' || lpad(mod(k, 100000)::text, 5, '0') || 'A' END, tds_s,
       CASE WHEN s = 1 AND rev_on IS NOT NULL THEN 'REVERSED' ELSE 'RECORDED' END,
       CASE WHEN s = 1 AND rev_on IS NOT NULL THEN {_at("rev_on", "16")} END,
       CASE WHEN s = 1 AND rev_on IS NOT NULL THEN %(user)s END,
       CASE WHEN s = 1 AND rev_on IS NOT NULL THEN 'CHEQUE_BOUNCED' END
{source}"""


PAYMENTS = f"""
INSERT INTO payments (company_id, payment_id, customer_id, mode, amount, allocated_amount, unallocated_amount,
                      refunded_amount, reference, paid_on, created_by, created_on, updated_on, tds_section,
                      tds_payment_code, deductor_tan, tds_amount, status, reversed_on, reversed_by,
                      reversal_reason)
{_payments(_INSTALLMENTS)}
UNION ALL
{_payments(_REPLACEMENTS)}
"""

ALLOCATIONS = f"""
INSERT INTO payment_allocations (company_id, payment_id, invoice_id, amount, tds_amount)
SELECT %(company)s, {_id("PAY", 13, "g", "s")}, invoice_id, alloc, tds_s {_INSTALLMENTS}
UNION ALL
SELECT %(company)s, {_id("PAY", 13, "g", "s")}, invoice_id, alloc, tds_s {_REPLACEMENTS}
"""

TDS_ENTRIES = f"""
INSERT INTO tds_entries (company_id, tds_id, payment_id, customer_id, invoice_ids, deductor_tan, section,
                         payment_code, amount, deducted_on, quarter, status, created_on, updated_on)
SELECT p.company_id, {_id("TD", 14, "p.payment_id")}, p.payment_id, p.customer_id, ARRAY[a.invoice_id],
       p.deductor_tan, p.tds_section, p.tds_payment_code, p.tds_amount, p.paid_on,
       {_fy("p.paid_on")} || '-' || lpad(mod({_fy("p.paid_on")} + 1, 100)::text, 2, '0') || '-Q'
           || CASE WHEN extract(month FROM p.paid_on) >= 4
                   THEN (extract(month FROM p.paid_on)::int - 4) / 3 + 1 ELSE 4 END,
       'AWAITING_CERTIFICATE',
       p.created_on, p.created_on
  FROM payments p JOIN payment_allocations a USING (company_id, payment_id)
 WHERE p.company_id = %(company)s AND p.tds_amount > 0
"""

WRITE_OFFS = f"""
INSERT INTO write_offs (company_id, write_off_id, invoice_id, customer_id, amount, reason, automatic,
                        created_by, created_on)
SELECT %(company)s, {_id("WO", 14, "g")}, invoice_id, customer_id, wo,
       CASE cat WHEN 'BAD' THEN 'unrecoverable: no payment for six months past due'
                ELSE 'rest not recoverable a year past due' END,
       false, %(user)s, {_at("wo_on", "17")}
  FROM bench_plan WHERE wo > 0
"""

REFUNDS = f"""
INSERT INTO refunds (company_id, refund_id, customer_id, amount, mode, reference, paid_on, created_by,
                     created_on)
SELECT %(company)s, {_id("RF", 14, "g")}, customer_id, extra, 'NEFT', 'RFD' || lpad(g::text, 8, '0'),
       refund_on, %(user)s, {_at("refund_on", "14")}
  FROM bench_plan WHERE refund_on IS NOT NULL;
ANALYZE refunds;
INSERT INTO refund_sources (company_id, refund_id, source_id, amount)
SELECT %(company)s, {_id("RF", 14, "g")}, {_id("PAY", 13, "g", "n")}, extra
  FROM bench_plan WHERE refund_on IS NOT NULL
"""

# The entries of every movement, as each service posts them (dues.ledger.service and the services' entries),
# staged first so that they go into the ledger in the order of their days, as a live system writes them.
ENTRIES = f"""
CREATE UNLOGGED TABLE bench_entries AS
SELECT customer_id, invoice_date AS effective_date, created_on AS posted_on, 'INVOICE' AS entry_type,
       invoice_id AS document_id, invoice_number AS document_number, invoice_id, total_amount AS amount
  FROM invoices WHERE company_id = %(company)s
UNION ALL
SELECT p.customer_id, p.withdrawn_on, {_at("p.withdrawn_on", "16").replace("g * 7", "p.g * 7")}, 'REVERSAL',
       p.invoice_id, i.invoice_number, p.invoice_id, -p.total
  FROM bench_plan p JOIN invoices i ON i.company_id = %(company)s AND i.invoice_id = p.invoice_id
 WHERE p.withdrawn_on IS NOT NULL
UNION ALL
SELECT n.customer_id, n.note_date, n.created_on, 'CREDIT_NOTE', n.credit_note_id, n.note_number, a.invoice_id,
       -a.amount
  FROM credit_note_allocations a JOIN credit_notes n USING (company_id, credit_note_id)
 WHERE a.company_id = %(company)s
UNION ALL
SELECT p.customer_id, p.paid_on, p.created_on, 'PAYMENT', p.payment_id, p.reference, a.invoice_id, -a.amount
  FROM payment_allocations a JOIN payments p USING (company_id, payment_id)
 WHERE a.company_id = %(company)s AND a.amount > 0
UNION ALL
SELECT p.customer_id, p.paid_on, p.created_on, 'TDS', p.payment_id, p.reference, a.invoice_id, -a.tds_amount
  FROM payment_allocations a JOIN payments p USING (company_id, payment_id)
 WHERE a.company_id = %(company)s AND a.tds_amount > 0
UNION ALL
SELECT customer_id, paid_on, created_on, 'PAYMENT', payment_id, reference, NULL,
       -(unallocated_amount + refunded_amount)
  FROM payments WHERE company_id = %(company)s AND unallocated_amount + refunded_amount > 0
UNION ALL
SELECT p.customer_id, (p.reversed_on AT TIME ZONE 'Asia/Kolkata')::date, p.reversed_on, 'REVERSAL',
       p.payment_id, p.reference, a.invoice_id, a.amount + a.tds_amount
  FROM payment_allocations a JOIN payments p USING (company_id, payment_id)
 WHERE a.company_id = %(company)s AND p.status = 'REVERSED'
UNION ALL
SELECT customer_id, paid_on, created_on, 'REFUND', refund_id, reference, NULL, amount
  FROM refunds WHERE company_id = %(company)s
UNION ALL
SELECT w.customer_id, (w.created_on AT TIME ZONE 'Asia/Kolkata')::date, w.created_on, 'WRITE_OFF',
       w.write_off_id, i.invoice_number, w.invoice_id, -w.amount
  FROM write_offs w JOIN invoices i USING (company_id, invoice_id)
 WHERE w.company_id = %(company)s
"""

# Before the entries go in: every invoice's entries sum to its balance (0 for one withdrawn); a plan that
# does not add up is named here, invoice by invoice, rather than by the deferred check's one customer at
# COMMIT. (Materialized, so that LIMIT 5 does not make the planner hope for an early match in a nested loop:
# when every invoice adds up, there is none.)
UNEVEN = """
WITH uneven AS MATERIALIZED (
SELECT i.invoice_id, i.status, i.total_amount, i.paid_amount, i.tds_amount, i.credited_amount,
       i.written_off_amount, i.balance_amount, e.amount, p.cat, p.n, p.m, p.bounced, p.extra
  FROM invoices i
  JOIN bench_plan p USING (invoice_id)
  LEFT JOIN (SELECT invoice_id, sum(amount) AS amount FROM bench_entries WHERE invoice_id IS NOT NULL
              GROUP BY invoice_id) e USING (invoice_id)
 WHERE i.company_id = %(company)s
   AND CASE WHEN i.posted THEN i.balance_amount ELSE 0 END <> COALESCE(e.amount, 0)
)
SELECT * FROM uneven LIMIT 5
"""

LEDGER_SLICE = """
INSERT INTO ledger_entries (company_id, customer_id, effective_date, posted_on, entry_type, document_id,
                            document_number, invoice_id, amount)
SELECT %(company)s, customer_id, effective_date, posted_on, entry_type, document_id, document_number,
       invoice_id, amount
  FROM bench_entries WHERE effective_date >= %(lo)s AND effective_date < %(hi)s
 ORDER BY effective_date, posted_on
"""

CREDIT = """
UPDATE customers c SET credit_balance = s.credit, updated_on = now()
  FROM (SELECT customer_id, sum(unallocated_amount) AS credit FROM payments
         WHERE company_id = %(company)s AND unallocated_amount > 0 GROUP BY customer_id) s
 WHERE c.company_id = %(company)s AND c.customer_id = s.customer_id
"""

SERIES = """
INSERT INTO invoice_series (company_id, series, financial_year, last_number)
SELECT %(company)s, 'INVOICE', financial_year, count(*) FROM invoices WHERE company_id = %(company)s
 GROUP BY financial_year
UNION ALL
SELECT %(company)s, 'CREDIT_NOTE', financial_year, count(*) FROM credit_notes WHERE company_id = %(company)s
 GROUP BY financial_year
ON CONFLICT (company_id, series, financial_year) DO UPDATE SET last_number = EXCLUDED.last_number
"""

# The triggers that keep the summaries; disabled together when the load bypasses them.
SUMMARY_TRIGGERS = (
    ("ledger_entries", "ledger_entries_sum"),
    ("ledger_entries", "ledger_entries_reports"),
    ("invoices", "invoices_ledger_insert"),
    ("customers", "customers_ledger_credit"),
)

# What migrations 0019 and 0020 write for existing data (their backfills), for this company: used when the
# load bypassed the triggers. The per-customer summary is inserted, so the deferred check reads each row.
REBUILD = """
INSERT INTO customer_ledger_balances (company_id, customer_id, entries_sum, credit_entries_sum, open_sum,
                                      credit)
SELECT c.company_id, c.customer_id,
       COALESCE((SELECT sum(amount) FROM ledger_entries e WHERE e.company_id = c.company_id
                  AND e.customer_id = c.customer_id), 0),
       COALESCE((SELECT sum(amount) FROM ledger_entries e WHERE e.company_id = c.company_id
                  AND e.customer_id = c.customer_id AND e.invoice_id IS NULL), 0),
       COALESCE((SELECT sum(balance_amount) FROM invoices i WHERE i.company_id = c.company_id
                  AND i.customer_id = c.customer_id AND i.posted), 0),
       c.credit_balance
  FROM customers c WHERE c.company_id = %(company)s;

INSERT INTO ledger_day_totals (company_id, effective_date, entry_type, on_invoices, on_credit, entries,
                               days_weighted, late_weighted)
SELECT e.company_id, e.effective_date, e.entry_type,
       COALESCE(sum(e.amount) FILTER (WHERE e.invoice_id IS NOT NULL), 0),
       COALESCE(sum(e.amount) FILTER (WHERE e.invoice_id IS NULL), 0),
       count(*),
       COALESCE(sum(-e.amount * (e.effective_date - i.invoice_date))
                FILTER (WHERE i.invoice_id IS NOT NULL), 0),
       COALESCE(sum(-e.amount * GREATEST(e.effective_date - i.due_date, 0))
                FILTER (WHERE i.invoice_id IS NOT NULL), 0)
  FROM ledger_entries e
  LEFT JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
                      AND e.entry_type IN ('PAYMENT', 'TDS')
 WHERE e.company_id = %(company)s
 GROUP BY e.company_id, e.effective_date, e.entry_type;

INSERT INTO receivable_deltas (company_id, basis, effective_date, age_date, amount)
SELECT company_id, basis, effective_date, age_date, sum(amount) FROM (
    SELECT e.company_id, b.basis, e.effective_date,
           CASE b.basis WHEN 'D' THEN i.due_date ELSE i.invoice_date END AS age_date, e.amount
      FROM ledger_entries e
      JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
     CROSS JOIN (VALUES ('D'), ('I')) AS b(basis)
     WHERE e.company_id = %(company)s
    UNION ALL
    SELECT e.company_id, 'C', e.effective_date, e.effective_date, e.amount
      FROM ledger_entries e WHERE e.company_id = %(company)s AND e.invoice_id IS NULL
) AS m
GROUP BY company_id, basis, effective_date, age_date HAVING sum(amount) <> 0;

INSERT INTO receivable_open (company_id, basis, age_date, amount)
SELECT company_id, basis, age_date, sum(amount) FROM receivable_deltas
 WHERE company_id = %(company)s AND basis IN ('D', 'I')
GROUP BY company_id, basis, age_date HAVING sum(amount) <> 0
"""

# One check: every summary row against a recomputation from ledger_entries, invoices and customers (0019's
# and 0020's backfills), both ways; 0 rows that differ in each is agreement to the paisa. receivable_deltas
# and receivable_open are compared with rows of amount 0 left out (the triggers may leave such a row behind
# when movements cancel out; the backfill never writes one).
VERIFY = """
WITH e AS (SELECT * FROM ledger_entries WHERE company_id = %(company)s),
deltas AS (
    SELECT basis, effective_date, age_date, sum(amount) AS amount FROM (
        SELECT b.basis, e.effective_date, CASE b.basis WHEN 'D' THEN i.due_date ELSE i.invoice_date END
                   AS age_date, e.amount
          FROM e JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
         CROSS JOIN (VALUES ('D'), ('I')) AS b(basis)
        UNION ALL
        SELECT 'C', effective_date, effective_date, amount FROM e WHERE invoice_id IS NULL
    ) m GROUP BY 1, 2, 3 HAVING sum(amount) <> 0
), open AS (
    SELECT basis, age_date, sum(amount) AS amount FROM deltas WHERE basis IN ('D', 'I') GROUP BY 1, 2
    HAVING sum(amount) <> 0
), days AS (
    SELECT e.effective_date, e.entry_type,
           COALESCE(sum(e.amount) FILTER (WHERE e.invoice_id IS NOT NULL), 0) AS on_invoices,
           COALESCE(sum(e.amount) FILTER (WHERE e.invoice_id IS NULL), 0) AS on_credit, count(*) AS entries,
           COALESCE(sum(-e.amount * (e.effective_date - i.invoice_date))
                    FILTER (WHERE i.invoice_id IS NOT NULL), 0)
               AS days_weighted,
           COALESCE(sum(-e.amount * GREATEST(e.effective_date - i.due_date, 0))
                    FILTER (WHERE i.invoice_id IS NOT NULL), 0) AS late_weighted
      FROM e LEFT JOIN invoices i ON i.company_id = e.company_id AND i.invoice_id = e.invoice_id
                                 AND e.entry_type IN ('PAYMENT', 'TDS')
     GROUP BY 1, 2
), balances AS (
    SELECT c.customer_id,
           COALESCE(s.entries_sum, 0) AS entries_sum, COALESCE(s.credit_entries_sum, 0) AS credit_entries_sum,
           COALESCE(o.open_sum, 0) AS open_sum, c.credit_balance AS credit
      FROM customers c
      LEFT JOIN (SELECT customer_id, sum(amount) AS entries_sum,
                        COALESCE(sum(amount) FILTER (WHERE invoice_id IS NULL), 0) AS credit_entries_sum
                   FROM e GROUP BY 1) s USING (customer_id)
      LEFT JOIN (SELECT customer_id, sum(balance_amount) AS open_sum FROM invoices
                  WHERE company_id = %(company)s AND posted GROUP BY 1) o USING (customer_id)
     WHERE c.company_id = %(company)s
), kept_deltas AS (
    SELECT basis, effective_date, age_date, amount FROM receivable_deltas
     WHERE company_id = %(company)s AND amount <> 0
), kept_open AS (
    SELECT basis, age_date, amount FROM receivable_open WHERE company_id = %(company)s AND amount <> 0
), kept_days AS (
    SELECT effective_date, entry_type, on_invoices, on_credit, entries, days_weighted, late_weighted
      FROM ledger_day_totals WHERE company_id = %(company)s
), kept_balances AS (
    SELECT c.customer_id, COALESCE(b.entries_sum, 0) AS entries_sum,
           COALESCE(b.credit_entries_sum, 0) AS credit_entries_sum, COALESCE(b.open_sum, 0) AS open_sum,
           COALESCE(b.credit, 0) AS credit
      FROM customers c LEFT JOIN customer_ledger_balances b USING (company_id, customer_id)
     WHERE c.company_id = %(company)s
)
SELECT
  (SELECT count(*) FROM ((SELECT * FROM deltas EXCEPT ALL SELECT * FROM kept_deltas)
                         UNION ALL (SELECT * FROM kept_deltas EXCEPT ALL SELECT * FROM deltas)) x),
  (SELECT count(*) FROM kept_deltas),
  (SELECT count(*) FROM ((SELECT * FROM open EXCEPT ALL SELECT * FROM kept_open)
                         UNION ALL (SELECT * FROM kept_open EXCEPT ALL SELECT * FROM open)) x),
  (SELECT count(*) FROM kept_open),
  (SELECT count(*) FROM ((SELECT * FROM days EXCEPT ALL SELECT * FROM kept_days)
                         UNION ALL (SELECT * FROM kept_days EXCEPT ALL SELECT * FROM days)) x),
  (SELECT count(*) FROM kept_days),
  (SELECT count(*) FROM ((SELECT * FROM balances EXCEPT ALL SELECT * FROM kept_balances)
                         UNION ALL (SELECT * FROM kept_balances EXCEPT ALL SELECT * FROM balances)) x),
  (SELECT count(*) FROM balances WHERE entries_sum - credit_entries_sum <> open_sum
                                    OR credit_entries_sum <> -credit)
"""


def verify(conn: psycopg.Connection[Any], company: str) -> dict[str, int]:
    """Disagreements between the summaries and a recomputation from the ledger (all 0 when they agree)."""
    row = conn.execute(VERIFY, {"company": company}).fetchone()
    assert row is not None
    names = (
        "receivable_deltas rows differing",
        "receivable_deltas rows",
        "receivable_open rows differing",
        "receivable_open rows",
        "ledger_day_totals rows differing",
        "ledger_day_totals rows",
        "customer_ledger_balances rows differing",
        "customers out of balance (recomputed)",
    )
    return dict(zip(names, (int(v) for v in row), strict=True))


def load(
    conn: psycopg.Connection[Any],
    company: str,
    user: str,
    shape: Shape,
    today: date,
    *,
    triggers: bool = True,
    say: Callable[[str], None] = print,
) -> dict[str, float]:
    """Load the seller's data in one transaction (the ledger's deferred check runs at its COMMIT); seconds per
    step. ``conn`` is in a transaction of its own (not autocommit)."""
    params: dict[str, Any] = {
        "company": company,
        "salt": company,
        "user": user,
        "today": today,
        "customers": shape.customers,
        "invoices": shape.invoices,
        "days": shape.days,
        "statement_invoices": shape.statement_invoices,
    }
    steps: dict[str, float] = {}

    def step(name: str, sql: str, extra: dict[str, Any] | None = None) -> None:
        started = time.perf_counter()
        count = 0
        for statement in sql.split(";\n"):
            if statement.strip():
                cursor = conn.execute(statement, {**params, **(extra or {})})  # type: ignore[arg-type]
                count += max(cursor.rowcount, 0)
        took = time.perf_counter() - started
        steps[name] = steps.get(name, 0.0) + took
        say(f"  {name:<34} {count:>11,} rows {took:8.1f} s")

    # JIT compiles this file's wide expressions for seconds per statement, longer than it runs them.
    conn.execute("SET LOCAL jit = off")
    conn.execute("SET LOCAL work_mem = '256MB'")
    conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
    conn.execute("SELECT setseed(%s)", (shape.seed,))
    conn.execute("DROP TABLE IF EXISTS bench_plan, bench_entries")
    if not triggers:
        for table, trigger in SUMMARY_TRIGGERS:
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    # Each table is analyzed as soon as it is filled: the foreign-key checks of the next ones are planned from
    # its statistics, and a table never analyzed looks empty, so each check would scan it (seconds per
    # 10,000 rows).
    step("customers", CUSTOMERS + ";\nANALYZE customers")
    step("plan (one row per invoice)", PLAN + ";\nANALYZE bench_plan")
    step("invoices", INVOICES + ";\nANALYZE invoices")
    step("credit notes", CREDIT_NOTES + ";\nANALYZE credit_notes")
    step("credit notes' invoices, allocations", CREDIT_NOTE_PARTS)
    step("payments", PAYMENTS + ";\nANALYZE payments")
    step("payment allocations", ALLOCATIONS + ";\nANALYZE payment_allocations")
    step("TDS register", TDS_ENTRIES)
    step("write-offs", WRITE_OFFS)
    step("refunds and their sources", REFUNDS)
    step("number series", SERIES)
    step("entries staged", ENTRIES + ";\nANALYZE bench_entries")
    uneven = conn.execute(UNEVEN, params).fetchall()
    if uneven:
        raise RuntimeError(f"the plan's entries do not make these invoices' balances: {uneven}")
    first = conn.execute("SELECT min(effective_date) FROM bench_entries").fetchone()
    assert first is not None and first[0] is not None
    # Ninety days a statement: the ledger fills in the order of its days, and each statement's triggers see
    # a quarter's movements at once.
    lo = first[0]
    while lo <= today:
        hi = date.fromordinal(lo.toordinal() + 90)
        step(
            "ledger entries" + (" (triggers on)" if triggers else " (triggers off)"),
            LEDGER_SLICE,
            {"lo": lo, "hi": hi},
        )
        lo = hi
    step("customers' credit", CREDIT)
    if not triggers:
        for table, trigger in SUMMARY_TRIGGERS:
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        step("summaries rebuilt (0019/0020 backfill)", REBUILD)
    conn.execute("DROP TABLE bench_plan, bench_entries")
    started = time.perf_counter()
    conn.commit()
    steps["COMMIT (the deferred ledger check)"] = time.perf_counter() - started
    commit = "COMMIT (the deferred ledger check)"
    say(f"  {commit:<34} {'':>16} {steps[commit]:8.1f} s")
    return steps
