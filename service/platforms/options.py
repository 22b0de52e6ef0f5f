"""What a connection may hold: the platform's declared options, typed, and its credentials.

A connection's destinations are never the caller's choice (issue 12: `options.base_url`
pointed the workers, with the organisation's HERE key, at an internal address). An option
of type "url" or "host" (`base_url`, Google's `token_url`, a feed's `upload_url` or SFTP
`host`) is accepted only inside the operator's `VITRINE_PLATFORM_URL_ALLOWLIST`; otherwise a
platform talks to its own endpoints, or to `VITRINE_<PLATFORM>_BASE_URL`. The same check runs
again when the workers build a connector, so a connection stored before the allow-list
changed cannot send anything elsewhere either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from connectors.base import PlatformInfo
from service.errors import ApiError, ErrorDetail

MAX_OPTION_CHARS = 4000
DESTINATIONS = ("url", "host")
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off", "")


def option_types(info: PlatformInfo) -> dict[str, str]:
    """name -> type of every option the platform takes (undeclared types are strings)."""
    return {"base_url": "url", **{name: info.option_types.get(name, "str") for name in info.options}}


def _destination(kind: str, value: str) -> str:
    return f"sftp://{value}" if kind == "host" else value


def allowed(kind: str, value: Any, allowlist: list[str]) -> bool:
    """Whether a destination falls within one of the operator's prefixes (scheme, host and
    port equal; the path under the prefix's path)."""
    try:
        target = urlsplit(_destination(kind, str(value)))
        target_port = target.port
    except ValueError:
        return False
    if not target.hostname:
        return False
    for prefix in allowlist:
        try:
            allow = urlsplit(prefix)
            allow_port = allow.port
        except ValueError:
            continue
        if (allow.scheme, allow.hostname) != (target.scheme, target.hostname):
            continue
        if allow_port is not None and allow_port != target_port:
            continue
        if (target.path or "/").startswith(allow.path or "/"):
            return True
    return False


def _coerce(kind: str, value: Any) -> Any:
    """The value as the connector reads it, or ValueError with the reason."""
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError("must be true or false")
    if kind in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"must be a {'whole ' if kind == 'int' else ''}number")
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"must be a {'whole ' if kind == 'int' else ''}number") from None
        if number != number or number in (float("inf"), float("-inf")) or number < 0:
            raise ValueError("must be a finite number, 0 or more")
        if kind == "int":
            if not number.is_integer():
                raise ValueError("must be a whole number")
            return int(number)
        return value if isinstance(value, (int, float)) else number
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if len(value) > MAX_OPTION_CHARS:
        raise ValueError(f"is over {MAX_OPTION_CHARS} characters")
    if any(ord(c) < 32 and c not in "\t\r\n" for c in value):
        raise ValueError("holds a control character")
    return value


def check(info: PlatformInfo, credentials: Mapping[str, str], options: Mapping[str, Any],
          allowlist: list[str]) -> dict[str, Any]:
    """The options to store, or ApiError 422 naming every bad field."""
    types = option_types(info)
    errors: list[ErrorDetail] = []
    clean: dict[str, Any] = {}
    for name, value in options.items():
        field = f"options.{name}"
        kind = types.get(name)
        if kind is None:
            accepted = ", ".join(sorted(types))
            errors.append(ErrorDetail(field=field, code="unknown_option",
                                      message=f"{info.name} takes no option {name!r} (it takes: {accepted})"))
            continue
        try:
            clean[name] = _coerce(kind, value)
        except ValueError as exc:
            errors.append(ErrorDetail(field=field, code="invalid_option", message=f"{name} {exc}"))
            continue
        if kind in DESTINATIONS and not allowed(kind, value, allowlist):
            errors.append(ErrorDetail(field=field, code="destination_not_allowed", message=(
                f"{name} {str(value)[:200]!r} is not among the destinations this server allows: {info.name} "
                "is reached at its own address, or at the one the operator sets (VITRINE_"
                f"{info.key.upper()}_BASE_URL, VITRINE_PLATFORM_URL_ALLOWLIST)")))
    for name in credentials:
        if name not in info.credentials:
            errors.append(ErrorDetail(field=f"credentials.{name}", code="unknown_credential",
                                      message=f"{info.name} takes no credential {name!r} (it takes: "
                                              f"{', '.join(info.credentials) or 'none'})"))
    sets = info.credential_sets if info.credential_sets is not None else (info.credentials,)
    given = {k for k, v in credentials.items() if v}
    if sets and not any(set(s) <= given for s in sets):
        needed = " or ".join(" + ".join(s) for s in sets)
        missing = next(name for name in sets[0] if name not in given) if sets[0] else None
        errors.append(ErrorDetail(field=f"credentials.{missing}" if missing else "credentials",
                                  code="missing_credentials", message=f"{info.name} needs {needed}"))
    if errors:
        raise ApiError(422, errors[0].code or "invalid_connection", errors[0].message, field=errors[0].field,
                       errors=errors)
    return clean


def usable(info: PlatformInfo, options: Mapping[str, Any], allowlist: list[str]) -> dict[str, Any]:
    """A stored connection's options as the workers may use them: declared ones only, and no
    destination outside today's allow-list (the platform's own endpoint is used instead)."""
    types = option_types(info)
    return {name: value for name, value in options.items() if name in types
            and (types[name] not in DESTINATIONS or allowed(types[name], value, allowlist))}
