"""Shared by the Bing tests: the option that says the partner contract was checked (see the connector)."""

CONFIRMED = {"partner_contract": "confirmed"}
