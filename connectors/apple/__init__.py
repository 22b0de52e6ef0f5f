"""Apple Business Connect: `mapping` renders `locationDetails`, `categories` holds the (UNVERIFIED)
Apple category ids, `connector.AppleConnector` pushes and reads back over the REST API."""
