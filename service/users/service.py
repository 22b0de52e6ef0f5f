"""Dashboard accounts: create, sign in (throttled), sessions, disable, reset a password.

Passwords are hashed with argon2id (`argon2-cffi`'s defaults, RFC 9106's second recommended
profile); a session cookie carries 256 random bits and only their SHA-256 is stored, so a copy of
the database opens no session.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth import access
from service.auth import repository as repo
from service.auth.access import Limit
from service.auth.service import Principal, forget_keys
from service.errors import ApiError, NotFound
from service.models import Organisation, User, UserSession, utcnow

_hasher = PasswordHasher()
MIN_PASSWORD = 10
FREE_FAILURES = 5  # then each failure locks the account for twice as long, from one minute
MAX_LOCK = timedelta(hours=1)
SESSION_LIFETIME = timedelta(hours=12)


class LoginRefused(ApiError):
    def __init__(self, message: str = "wrong e-mail or password") -> None:
        super().__init__(401, "login_refused", message)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ApiError(422, "weak_password", f"a password needs at least {MIN_PASSWORD} characters", field="password")


def _clean_list(values: list[str] | None) -> list[str] | None:
    cleaned = [v.strip() for v in values or [] if v.strip()]
    return cleaned or None


async def create_user(session: AsyncSession, org: Organisation, email: str, password: str, role: str, *,
                      labels: list[str] | None = None, store_codes: list[str] | None = None) -> User:
    if role not in access.ROLES:
        raise ApiError(422, "invalid_role", f"role must be one of {', '.join(access.ROLES)}", field="role")
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ApiError(422, "invalid_email", str(exc), field="email") from None
    _check_password(password)
    if await repo.user_by_email(session, email):
        raise ApiError(409, "conflict", f"a user {email!r} already exists", field="email")
    user = User(organisation_id=org.id, email=email, password_hash=_hasher.hash(password), role=role,  # type: ignore[arg-type]
                labels=_clean_list(labels), store_codes=_clean_list(store_codes))
    session.add(user)
    await session.flush()
    return user


async def get_user(session: AsyncSession, email: str, org_id: int | None = None) -> User:
    user = await repo.user_by_email(session, email)
    if user is None or (org_id is not None and user.organisation_id != org_id):
        raise NotFound("user", email)
    return user


async def list_users(session: AsyncSession, org_id: int | None = None) -> list[User]:
    return await repo.users(session, org_id)


async def disable_user(session: AsyncSession, user: User) -> None:
    """The user's sessions end now; their API keys are refused from the next request (within
    `KEY_CACHE_SECONDS` on other API processes)."""
    user.disabled_at = user.disabled_at or utcnow()
    await repo.end_sessions(session, user_id=user.id)
    forget_keys(session)


async def reset_password(session: AsyncSession, user: User, password: str) -> None:
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    await repo.end_sessions(session, user_id=user.id)


async def log_in(session: AsyncSession, email: str, password: str, ip: str | None) -> tuple[User, str]:
    """The user and a new session token, or `LoginRefused`. After `FREE_FAILURES` wrong
    passwords in a row the account is locked for a minute, then 2, 4… up to an hour; the
    lock is checked before the password, so guessing during a lock learns nothing."""
    user = await repo.user_by_email(session, email)
    now = utcnow()
    if user is None or user.disabled_at is not None:
        _hasher.hash(password)  # the same work as for a real account: no timing oracle
        raise LoginRefused()
    if user.locked_until is not None and user.locked_until > now:
        wait = int((user.locked_until - now).total_seconds()) + 1
        raise LoginRefused(f"too many failed attempts: try again in {wait} s")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= FREE_FAILURES:
            lock = min(timedelta(minutes=2 ** (user.failed_logins - FREE_FAILURES)), MAX_LOCK)
            user.locked_until = now + lock
        raise LoginRefused() from None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=_digest(token), user_id=user.id, expires_at=now + SESSION_LIFETIME,  # type: ignore[arg-type]
                            ip=(ip or "")[:64] or None))
    await session.flush()
    return user, token


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_of(user: User, org: Organisation) -> Principal:
    return Principal(org.id, org.name, None, None, role=user.role,  # type: ignore[arg-type]
                     scope=access.scope_of(Limit.of(user.labels, user.store_codes)),
                     user_id=user.id, user_email=user.email)


async def session_principal(session: AsyncSession, token: str) -> Principal | None:
    found = await repo.session_user(session, _digest(token), utcnow())
    return principal_of(found[1], found[2]) if found else None


async def log_out(session: AsyncSession, token: str) -> None:
    await repo.end_sessions(session, token_hash=_digest(token))
