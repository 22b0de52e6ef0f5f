"""Logging for every Vitrine process.

httpx logs each request's full URL at INFO; HERE's and TomTom's APIs take their key in the URL,
so httpx and httpcore stay at WARNING whatever the configured level: secrets never reach logs.
"""

import logging

QUIET = ("httpx", "httpcore", "aiosqlite", "asyncio")


def configure(level: str = "INFO") -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
