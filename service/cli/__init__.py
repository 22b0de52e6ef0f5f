"""The `vitrine` command line: the app (`app.py`) and its command groups, registered here."""

from service.cli import access, campaign, deletion, demo, establishments, imports, integrations, orgs, server, sync
from service.cli.app import app

for _group in (orgs, access, establishments, deletion, imports, sync, campaign, demo, server, integrations):
    _group.register(app)


def main() -> None:  # pragma: no cover
    app()


__all__ = ["app", "main"]
