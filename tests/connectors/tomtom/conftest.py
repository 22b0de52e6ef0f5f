"""The sandbox fixtures (a ManualClock, clients on a fresh sandbox over ASGI) for the TomTom connector tests."""

from tests.connectors.sandbox.conftest import client, clock, make_client  # noqa: F401
