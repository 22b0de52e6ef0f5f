"""Google Business Profile connector: `mapping` (pure render), `categories` (canonical key ->
Google category), `connector` (`GoogleConnector`: HTTP, tokens, read-back)."""

from connectors.google.connector import GoogleConnector

__all__ = ["GoogleConnector"]
