"""One settings object, read from the environment (prefix `VITRINE_`) or a `.env` file."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path.home() / ".local" / "share" / "vitrine"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VITRINE_", env_file=".env", extra="ignore")

    home: Path = DEFAULT_HOME
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: SecretStr | None = None
    auto_migrate: bool = True
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line, for log shippers
    bulk_max_items: int = 1000
    import_max_bytes: int = 50 * 1024 * 1024
    # bounds on an uploaded workbook's work (service/imports/guards.py)
    import_max_rows: int = 1_048_576  # <row> elements per sheet, empty ones included (Excel's own maximum)
    import_max_cells: int = 30_000_000  # cells per sheet, and shared strings
    import_max_part_bytes: int = 1 << 30  # unpacked size of one part of the .xlsx archive
    import_max_ratio: float = 200.0  # unpacked / packed size of a part over 16 MiB
    import_max_seconds: float = 300.0  # reading one workbook, all rows
    page_size_max: int = 500
    request_max_bytes: int = 10 * 1024 * 1024  # a request body (uploads: import_max_bytes + 1 MiB)
    api_max_concurrency: int = 24  # requests handled at once per API process (its pool keeps this + 6)
    api_queue_seconds: float = 0.5  # a request waiting longer for a slot is answered 503 Retry-After
    api_max_waiting: int = 48  # with this many already waiting for a slot, a request is shed at once

    # sync engine
    sync_max_attempts: int = 8
    sync_backoff_base: float = 2.0  # seconds; doubles each attempt, with jitter
    sync_backoff_max: float = 900.0
    sync_max_platform_wait: float = 3600.0  # a platform's Retry-After (Facebook 80001…) is obeyed up to this
    sync_debounce_seconds: float = 1.0  # a change waits this long for the edits that follow it
    sync_max_wait: float = 5.0  # a rate-limit slot further out than this defers the job instead
    sync_concurrency: int = 16  # jobs in flight per worker process
    verify_poll_seconds: float = 60.0  # how often a listing under review is read back
    drift_check_seconds: float = 6 * 3600.0  # how often a live listing is read back for drift
    reconcile_seconds: int = 30
    feed_batch_seconds: float = 300.0  # changes wait this long to travel together in one feed file
    http_timeout_seconds: float = 20.0  # per platform request
    user_agent: str | None = None  # sent whole on every platform request, instead of the default below
    # the URL of the default `Vitrine/<version> (+URL)`: your instance or a contact page; unset, the
    # package's [project.urls] Homepage, and without one `Vitrine/<version> (self-hosted)`
    user_agent_url: str | None = Field(None, pattern=r"^https?://[^\s()]+$", max_length=300)
    sync_job_timeout: int = 120  # a job running longer is cancelled; a killed worker's jobs resume after it
    rate_limits: dict[str, str] = {}  # {"google": "300/60"} overrides a platform's default quota
    google_base_url: str | None = None
    facebook_base_url: str | None = None
    apple_base_url: str | None = None

    # integrations (docs/integrations.md)
    source_timeout_seconds: float = 60.0  # a whole pull (every page) past this fails
    source_max_bytes: int = 50 * 1024 * 1024  # summed over a pull's pages
    source_max_pages: int = 1000
    source_allow_http_loopback: bool = False  # http:// to 127.0.0.1/localhost (tests, a local bridge)
    source_poll_seconds: float = 60.0  # how often due sources are looked for
    source_lock_seconds: float = 3600.0  # a run holding a source's lock longer is presumed dead
    events_seconds: int = 10  # how often the outbox is read and webhooks are sent
    event_retention_days: float = Field(30.0, gt=0)  # settled events (and their deliveries) older are deleted
    webhook_timeout_seconds: float = 10.0
    webhook_backoff_base: float = 30.0  # seconds; doubles each attempt (5 s, 5 min, 30 min… in spirit)
    webhook_backoff_max: float = 6 * 3600.0
    webhook_max_attempts: int = 12
    webhook_disable_after_hours: float = 72.0  # an endpoint failing this long is disabled
    webhook_secret_grace_hours: float = 24.0  # the secret before a rotation still signs meanwhile
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "vitrine@localhost"
    notify_batch_seconds: float = 300.0  # immediate e-mails wait this long to travel together
    digest_weekday: int = 0  # Monday
    digest_hour: int = 7  # UTC
    # Destinations (a base_url, an upload URL, an SFTP host) a connection's options may name, as
    # URL prefixes: ["https://feeds.partner.example/", "sftp://sftp.partner.example:22"]. Empty: none,
    # every platform talks to its own endpoints or to VITRINE_<PLATFORM>_BASE_URL.
    platform_url_allowlist: list[str] = []
    # VITRINE_<PLATFORM>_BASE_URL for any platform of the registry, collected at start-up.
    platform_urls: dict[str, str] = {}

    @model_validator(mode="after")
    def _collect_platform_urls(self) -> Settings:
        for name, value in os.environ.items():
            if name.startswith("VITRINE_") and name.endswith("_BASE_URL") and value:
                key = name.removeprefix("VITRINE_").removesuffix("_BASE_URL").lower()
                if key not in ("google", "facebook", "apple"):  # those three are fields
                    self.platform_urls.setdefault(key, value)
        return self

    def platform_base_urls(self) -> dict[str, str]:
        """VITRINE_<PLATFORM>_BASE_URL overrides, e.g. VITRINE_FOURSQUARE_FEED_BASE_URL."""
        urls = {key: value for key, value in self.platform_urls.items() if value}
        urls.update({name.removesuffix("_base_url"): value for name, value in self
                     if name.endswith("_base_url") and isinstance(value, str) and value})
        return urls

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.home / 'vitrine.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
