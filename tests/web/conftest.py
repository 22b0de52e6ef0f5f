import pytest
from argon2 import PasswordHasher

from service.users import service as users


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its lowest cost: the tests sign in dozens of users, and what they check is who
    may do what, not the hash's cost (production keeps argon2-cffi's defaults)."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
