"""Bharat Connect's business flows: presentment, edits, status changes, confirmations, payments, cd-notes.

Their inbound handlers register here with ``inbound.handler(path)`` and their resp-* hooks with
``messages.response_hook(path)``; inbound.py imports this module on first use.
"""
