"""Purchase orders buyers send over the network: stored, listed, confirmed or rejected, invoiced.

Their inbound handlers register here with ``inbound.handler(path)``; inbound.py imports this module on first
use.
"""
