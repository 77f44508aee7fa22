"""Prepared operations: what the schema's extensions decided about a document, kept once.

The first request with a document runs strawberry's whole pipeline (parse, validation, the
hardening limits); `RecordPrepared` then keeps the parsed document, the operation it runs and
what its cost depends on. Later requests with the same text skip straight to execution
(`run_prepared`), checking per request only what the request itself can change (variables).
"""

from graph.prepared.execution import LEAN_STAND_INS, run_prepared, stands_in_for
from graph.prepared.operations import PreparedOperation, PreparedOperations, RecordPrepared

__all__ = [
    "LEAN_STAND_INS",
    "PreparedOperation",
    "PreparedOperations",
    "RecordPrepared",
    "run_prepared",
    "stands_in_for",
]
