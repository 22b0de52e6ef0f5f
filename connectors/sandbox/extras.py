"""Routes added to an emulator from a module of their own (photos, location removal).

`mount(emulator, router)` puts `router`'s routes ahead of the emulator's own, so they win over
its catch-all "unknown method" route; `app.create_app` calls each module's `mount_*` once.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter


def mount(emulator: Any, router: APIRouter) -> None:
    emulator.router.routes[:0] = router.routes
