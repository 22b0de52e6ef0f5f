"""Fixtures of the integration tests: the internal system, the mailbox, settings that allow
http:// to loopback (the test servers are plain HTTP on 127.0.0.1)."""

from __future__ import annotations

import pytest

from service.settings import Settings
from tests.integrations.servers import InternalSystem, Mailbox
from tests.sync.conftest import sandbox, sandbox_config  # noqa: F401  (real sandbox over HTTP)

SITES = [
    {"id": "CLI-001", "title": "Clinique du Parc", "street": "12 rue Oberkampf", "zip": "75011", "city": "Paris",
     "phone": "01 43 55 00 01", "category": "Clinique privée"},
    {"id": "CLI-002", "title": "Clinique des Lilas", "street": "3 avenue Jean Jaurès", "zip": "69007", "city": "Lyon",
     "phone": "04 72 00 00 02", "category": "Clinique privée"},
    {"id": "CLI-003", "title": "Clinique du Port", "street": "8 quai de la Fosse", "zip": "44000", "city": "Nantes",
     "phone": "02 40 00 00 03", "category": "Clinique privée"},
]
MAPPING = {"id": "store_code", "title": "name", "street": "address.line1", "zip": "address.postal_code",
           "city": "address.locality", "phone": "phones.primary", "category": "categories.primary"}


@pytest.fixture
def mailbox():
    box = Mailbox()
    box.controller.start()
    yield box
    box.controller.stop()


@pytest.fixture
def internal():
    system = InternalSystem([dict(s) for s in SITES])
    system.server.start()
    yield system
    system.server.stop()


@pytest.fixture
def settings(settings: Settings, mailbox: Mailbox) -> Settings:
    return settings.model_copy(update={
        "source_allow_http_loopback": True, "source_timeout_seconds": 1.5, "source_max_bytes": 100_000,
        "smtp_host": "127.0.0.1", "smtp_port": mailbox.port, "smtp_starttls": False, "notify_batch_seconds": 0.0,
        "webhook_backoff_base": 0.2, "verify_poll_seconds": 0.5, "events_seconds": 3600, "webhook_timeout_seconds": 2.0, "reconcile_seconds": 3600})
