"""Feed partners: directories with no public API, sent a periodic full file (see partners.py).

Pure package: `render_row` / `render_feed` build the file, `deliver` sends it; the sync
engine records deliveries and marks establishments `submitted` (`expected_by` the partner's
typical delay). Formats, columns and transports are UNVERIFIED (docs/platforms.md).
"""

from connectors.feeds.delivery import Delivery, deliver
from connectors.feeds.partners import COLUMNS, PARTNERS, FeedPartner
from connectors.feeds.render import count_rows, render_feed, render_row

__all__ = ["COLUMNS", "PARTNERS", "Delivery", "FeedPartner", "count_rows", "deliver", "render_feed", "render_row"]
