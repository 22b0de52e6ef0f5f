"""Keys and users as the API and the dashboard show them, and key creation on a caller's behalf."""

from sqlmodel.ext.asyncio.session import AsyncSession

from schemas.access import ApiKeyCreate, ApiKeyPublic, UserPublic
from service.auth import service as auth
from service.auth.service import Principal
from service.errors import ApiError
from service.models import ApiKey, User


def key_public(key: ApiKey, owner: str | None) -> ApiKeyPublic:
    return ApiKeyPublic(prefix=key.prefix, name=key.name, owner=owner, state=auth.key_state(key),  # type: ignore[arg-type]
                        read_only=key.read_only, labels=key.labels, store_codes=key.store_codes,
                        created_at=key.created_at, expires_at=key.expires_at, last_used_at=key.last_used_at,
                        revoked_at=key.revoked_at)


def user_public(user: User) -> UserPublic:
    return UserPublic(email=user.email, role=user.role, labels=user.labels, store_codes=user.store_codes,  # type: ignore[arg-type]
                      disabled=user.disabled_at is not None, created_at=user.created_at,
                      last_login_at=user.last_login_at)


async def create_key_for(session: AsyncSession, who: Principal, body: ApiKeyCreate) -> tuple[ApiKey, str]:
    """A key for the caller: the caller's user (if any) is its owner, so the key carries that
    user's role and limits; a read-only caller can only make read-only keys."""
    user = await session.get(User, who.user_id) if who.user_id else None
    if user is None and who.role != "admin":
        raise ApiError(403, "forbidden", "only an admin key can make organisation keys")
    own_limits = 1 if user is not None and (user.labels or user.store_codes) else 0
    if len(who.scope.limits) > own_limits:
        raise ApiError(403, "forbidden", "a key with its own site limits cannot make other keys")
    read_only = body.read_only or who.role == "viewer"
    return await auth.create_api_key(session, who.organisation_name, body.name, user=user, expires_at=body.expires_at,
                                     read_only=read_only, labels=body.labels, store_codes=body.store_codes)
