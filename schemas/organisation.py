"""The calling organisation's settings."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

DriftPolicy = Literal["report", "repair"]


class OrganisationPublic(BaseModel):
    name: str
    drift_policy: DriftPolicy = Field(description="`report`: show drifted fields; `repair`: re-push the canonical value")
    created_at: datetime


class OrganisationUpdate(BaseModel):
    drift_policy: DriftPolicy
