"""The `vitrine` command line: the app (`app.py`) and its command groups, registered here."""

from service.cli import access, campaign, demo, establishments, imports, orgs, server, sync
from service.cli.app import app

for _group in (orgs, access, establishments, imports, sync, campaign, demo, server):
    _group.register(app)


def main() -> None:  # pragma: no cover
    app()


__all__ = ["app", "main"]
