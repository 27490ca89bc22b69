"""Events that cross domains inside a transaction (docs/design.md "Effects across domains go through events").

A service says what happened by ``publish``-ing one of the event types below; the handlers registered in
``dues.events.wiring`` (the one place that knows who reacts to what) run in the same transaction, so what they
change commits or rolls back with the change that caused it. Webhook deliveries, mail and network messages are
jobs those handlers enqueue, sent after the commit.
"""
