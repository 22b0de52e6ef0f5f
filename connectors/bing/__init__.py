"""Bing Places for Business (partner RPC API, UNVERIFIED: partner PDF only)."""
