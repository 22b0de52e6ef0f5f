"""`vitrine connect --check` on every API platform of the sandbox: the sandbox's credentials are
accepted, wrong ones refused, and a platform that does not answer is named unreachable."""

import pytest

from connectors.base import Channel
from connectors.registry import CONNECTORS
from connectors.sandbox import SandboxConfig, SandboxServer
from service.cli.demo import sandbox_connections
from service.platforms.check import check
from service.settings import Settings

API = sorted(k for k, c in CONNECTORS.items() if c.info.channel == Channel.api)


@pytest.fixture(scope="module")
def sandbox_url():
    server = SandboxServer(SandboxConfig()).start()
    yield server.url
    server.stop()


@pytest.mark.parametrize("platform", API)
async def test_check_accepts_good_and_refuses_wrong_credentials(platform, sandbox_url):
    settings = Settings(secret_key="k" * 32)
    creds, opts = sandbox_connections(sandbox_url)[platform]
    good = await check(platform, creds, opts, settings)
    assert good.ok, good.message
    wrong = await check(platform, {k: "wrong" for k in creds}, opts, settings)
    assert not wrong.ok and "refused the credentials" in wrong.message


async def test_check_names_an_unreachable_platform():
    settings = Settings(secret_key="k" * 32, google_base_url="http://127.0.0.1:1/google/v1")
    down = await check("google", {"access_token": "t"}, {"account": "accounts/1"}, settings)
    assert not down.ok and "could not be reached" in down.message


async def test_a_feed_has_nothing_to_probe():
    result = await check("pagesjaunes", {"username": "u", "password": "p"}, {}, Settings(secret_key="k" * 32))
    assert result.ok and "nothing checked" in result.message
