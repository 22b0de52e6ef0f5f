"""`vitrine connect --check`: try credentials against the platform (or the sandbox) before saving.

The probe is one read of a listing that does not exist, through the connector itself, so it goes
through the same authentication (token exchange, headers) as a real push. The platform's answer
says what is needed: refused credentials (401/403), unreachable (network, 5xx, timeout), or
answered with the credentials accepted (any other answer, "not found" included). Feed partners
and platforms without an API have nothing to probe, and say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.base import ActionRequired, Channel, ConnectorError, RetryableError
from connectors.http import make_client
from connectors.registry import CONNECTORS
from service.models import PlatformConnection
from service.platforms.endpoints import base_url
from service.settings import Settings

# A listing id of the platform's own shape that no listing has, so the read reaches the
# resource's route (and its authentication) and answers "not found" when the credentials work.
PROBE_IDS = {"google": "locations/0", "yelp": "0/0"}
PROBE_ID = "0"
# what the connectors say when a platform refuses credentials without a 401/403 (Graph's 190)
_REFUSED = re.compile(r"(credential|token|key|password)s? (is |are |were )?(invalid|expired|rejected|revoked)"
                      r"|rejected the (credential|token|key|access token|api key)|incomplete", re.I)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str


async def check(platform: str, credentials: dict[str, str], options: dict[str, Any], settings: Settings,
                client: httpx.AsyncClient | None = None) -> CheckResult:
    info = CONNECTORS[platform].info
    if info.channel != Channel.api:
        return CheckResult(True, f"{info.name} has no API to probe ({info.channel.value}): nothing checked")
    url = base_url(settings, PlatformConnection(organisation_id=0, platform=platform, options=options))
    own = client is None
    client = client or make_client(settings.http_timeout_seconds, user_agent=settings.user_agent,
                                   user_agent_url=settings.user_agent_url)
    try:
        connector = CONNECTORS[platform](client, url, credentials, options)
        await connector.read_back(PROBE_IDS.get(platform, PROBE_ID), {})
        return CheckResult(True, f"{info.name} answered at {url} and accepted the credentials")
    except RetryableError as exc:
        return CheckResult(False, f"{info.name} could not be reached at {url}: {exc.message}")
    except ConnectorError as exc:
        if exc.http_status in (401, 403) or (isinstance(exc, ActionRequired) and _REFUSED.search(exc.message)):
            return CheckResult(False, f"{info.name} refused the credentials: {exc.message}")
        return CheckResult(True, f"{info.name} answered at {url} and accepted the credentials "
                                 f"(probe listing: {exc.message})")
    except httpx.HTTPError as exc:
        return CheckResult(False, f"{info.name} could not be reached at {url}: {type(exc).__name__}")
    finally:
        if own:
            await client.aclose()
