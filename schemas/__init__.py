"""Vitrine's canonical record and API bodies: pydantic models only, no I/O."""

from schemas.establishment import (
    DAYS,
    Address,
    Categories,
    Establishment,
    EstablishmentPublic,
    Geo,
    Hours,
    Interval,
    Phones,
    Photo,
    SpecialHours,
    Status,
)

__all__ = [
    "DAYS",
    "Address",
    "Categories",
    "Establishment",
    "EstablishmentPublic",
    "Geo",
    "Hours",
    "Interval",
    "Phones",
    "Photo",
    "SpecialHours",
    "Status",
]
