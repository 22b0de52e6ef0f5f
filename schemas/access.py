"""API keys and users, as the API shows them (never a hash, never a password)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from schemas.text import Label, Name, Setting, StoreCodeText

Role = Literal["admin", "editor", "viewer"]


class ApiKeyCreate(BaseModel):
    name: Name = Field(default="default", max_length=100)
    expires_at: datetime | None = Field(default=None, description="Refused from this instant on")
    read_only: bool = Field(default=False, description="Reads only, whatever the owner's role")
    labels: list[Label] | None = Field(default=None, max_length=50, description="Only sites with one of these labels")
    store_codes: list[StoreCodeText] | None = Field(default=None, max_length=1000, description="Only these sites")


class ApiKeyPublic(BaseModel):
    prefix: str
    name: str
    owner: str | None = Field(description="The user the key acts for; none for an organisation key")
    state: Literal["active", "revoked", "expired"]
    read_only: bool
    labels: list[str] | None
    store_codes: list[str] | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="Shown this once: only its hash is kept")


class UserCreate(BaseModel):
    email: Setting = Field(max_length=254)
    password: str = Field(min_length=10, max_length=1000)  # hashed (argon2), never stored as typed
    role: Role
    labels: list[Label] | None = Field(default=None, max_length=50)
    store_codes: list[StoreCodeText] | None = Field(default=None, max_length=1000)


class UserPublic(BaseModel):
    email: str
    role: Role
    labels: list[str] | None
    store_codes: list[str] | None
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None
