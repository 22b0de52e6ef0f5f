"""OpenStreetMap (API 0.6): see `connector.py`."""
