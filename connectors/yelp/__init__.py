"""Yelp (partner Data Ingestion API, contract required)."""
