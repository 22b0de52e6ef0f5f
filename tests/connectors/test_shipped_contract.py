"""The sandbox ships Google's discovery document so the demo runs anywhere; it must be the
official one the project was given (../shared/contracts/google/)."""

from pathlib import Path

import pytest

from connectors.sandbox.discovery import DISCOVERY_FILE, find_discovery_document

SHARED = Path(__file__).resolve().parents[3] / "shared" / "contracts" / "google" / DISCOVERY_FILE


def test_sandbox_finds_its_shipped_discovery_document():
    path = find_discovery_document()
    assert path.name == DISCOVERY_FILE and path.stat().st_size > 10_000


@pytest.mark.skipif(not SHARED.is_file(), reason="../shared is not beside this checkout")
def test_shipped_discovery_document_is_the_official_one():
    assert find_discovery_document().read_bytes() == SHARED.read_bytes()
