"""A client reference that makes a retried submission recognisable.

Feedback APIs (HERE, Foursquare, TomTom) create a new report on every call: a push that runs
twice (a worker killed after the platform answered, before the database recorded it) would
file the same report twice. The reference is derived from what makes the push itself: the
establishment's stable `request_id`, the submission it follows (the `remote_id` the engine
holds, unchanged until a push is recorded) and the exact body. A retried push sends the same
reference; any later push differs (it follows another submission or sends another body).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def client_reference(request_id: str, follows: str | None, body: Any) -> str:
    blob = json.dumps([request_id, follows or "", body], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "vitrine-" + hashlib.sha256(blob.encode()).hexdigest()[:32]
