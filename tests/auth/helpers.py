"""Users and their keys for access tests."""

from service.auth import service as auth
from service.db import unit_of_work
from service.models import Organisation
from service.users import service as users

PASSWORD = "correct horse battery"


async def make_user(session_factory, org_id: int, email: str, role: str, *, labels=None, store_codes=None,
                    key: bool = True, key_store_codes=None, **key_options) -> str | None:
    """Create a user (and, with `key`, an API key acting for them, limited further to
    `key_store_codes` when given); return the key."""
    async with unit_of_work(session_factory) as session:
        org = await session.get(Organisation, org_id)
        user = await users.create_user(session, org, email, PASSWORD, role, labels=labels, store_codes=store_codes)
        if not key:
            return None
        _, full = await auth.create_api_key(session, org.name, f"{role} key", user=user,
                                         store_codes=key_store_codes, **key_options)
        return full
