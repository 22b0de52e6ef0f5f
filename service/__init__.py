"""Vitrine's service: the API, storage, imports and the sync engine."""
