"""The admin API under ``/_sandbox``: config, reset, stats, clock, state dumps, token revocation.

Never subject to fault injection, never counted in stats. Platform-specific admin routes
(third-party edits, verification state, rejections...) come from each emulator's ``admin``
router, mounted at ``/_sandbox/{platform}``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from .config import SandboxConfig
from .core import ManualClock, Sandbox, SlidingWindow


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Objects merge key by key; any other value (lists included) replaces."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def admin_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter(tags=["sandbox admin"])

    def install(data: dict[str, Any], reseed: bool) -> JSONResponse:
        try:
            config = SandboxConfig.model_validate(data)
        except ValidationError as exc:
            return JSONResponse({"detail": json.loads(exc.json(include_url=False))}, 422)
        sandbox.apply_config(config, reseed=reseed)
        return JSONResponse(sandbox.config.model_dump(mode="json"))

    @router.get("")
    async def index() -> dict[str, Any]:
        return {"platforms": {name: e.prefix for name, e in sandbox.emulators.items()}, "manual_clock": isinstance(sandbox.clock, ManualClock)}

    @router.get("/config")
    async def get_config() -> dict[str, Any]:
        return sandbox.config.model_dump(mode="json")

    @router.patch("/config")
    async def patch_config(patch: dict[str, Any] = Body(...)) -> JSONResponse:
        return install(deep_merge(sandbox.config.model_dump(mode="json"), patch), reseed="seed" in patch)

    @router.put("/config")
    async def put_config(config: dict[str, Any] = Body(...)) -> JSONResponse:
        return install(config, reseed=True)

    @router.post("/reset")
    async def reset() -> dict[str, Any]:
        sandbox.reset()
        return {"reset": True}

    @router.get("/stats")
    async def stats() -> dict[str, Any]:
        out = {name: s.as_dict() for name, s in sandbox.stats.items()}
        for name in out:
            out[name]["burst_429_remaining"] = sandbox.burst[name]
            # how close the busiest key came to each quota: {"window": 11} of Apple's 15 a second
            out[name]["quota_peak"] = {attr: window.peak for attr, window in vars(sandbox.emulators[name]).items()
                                       if isinstance(window, SlidingWindow)}
        return out

    @router.get("/clock")
    async def clock() -> dict[str, Any]:
        return {"now": sandbox.clock.now(), "manual": isinstance(sandbox.clock, ManualClock)}

    @router.post("/clock/advance")
    async def advance(body: dict[str, Any] = Body(...)) -> JSONResponse:
        if not isinstance(sandbox.clock, ManualClock):
            return JSONResponse({"detail": "the sandbox runs on the system clock; start it with a ManualClock"}, 409)
        try:
            now = sandbox.clock.advance(float(body.get("seconds", 0)))
        except (TypeError, ValueError) as exc:
            return JSONResponse({"detail": str(exc)}, 400)
        return JSONResponse({"now": now})

    @router.get("/{platform}/locations")
    async def dump(platform: str) -> JSONResponse:
        if platform not in sandbox.emulators:
            return JSONResponse({"detail": f"unknown platform {platform!r}"}, 404)
        return JSONResponse(sandbox.emulators[platform].dump())

    @router.post("/{platform}/tokens/revoke")
    async def revoke(platform: str, body: dict[str, Any] = Body(...)) -> JSONResponse:
        emulator = sandbox.emulators.get(platform)
        if emulator is None:
            return JSONResponse({"detail": f"unknown platform {platform!r}"}, 404)
        token = str(body.get("token", ""))
        if not emulator.revoke_token(token):
            return JSONResponse({"detail": f"unknown or already revoked token {token!r}"}, 404)
        return JSONResponse({"revoked": token})

    for name, emulator in sandbox.emulators.items():
        router.include_router(emulator.admin, prefix=f"/{name}")
    return router
