"""One settings object, read from the environment (prefix `VITRINE_`) or a `.env` file."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
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
    page_size_max: int = 500

    # sync engine
    sync_max_attempts: int = 8
    sync_backoff_base: float = 2.0  # seconds; doubles each attempt, with jitter
    sync_backoff_max: float = 900.0
    sync_debounce_seconds: float = 1.0  # a change waits this long for the edits that follow it
    sync_max_wait: float = 5.0  # a rate-limit slot further out than this defers the job instead
    sync_concurrency: int = 16  # jobs in flight per worker process
    verify_poll_seconds: float = 60.0  # how often a listing under review is read back
    drift_check_seconds: float = 6 * 3600.0  # how often a live listing is read back for drift
    reconcile_seconds: int = 30
    feed_batch_seconds: float = 300.0  # changes wait this long to travel together in one feed file
    http_timeout_seconds: float = 20.0  # per platform request
    user_agent: str | None = None  # sent on every platform request; default `Vitrine/<version> (+project URL)`
    sync_job_timeout: int = 120  # a job running longer is cancelled; a killed worker's jobs resume after it
    rate_limits: dict[str, str] = {}  # {"google": "300/60"} overrides a platform's default quota
    google_base_url: str | None = None
    facebook_base_url: str | None = None
    apple_base_url: str | None = None

    def platform_base_urls(self) -> dict[str, str]:
        """VITRINE_<PLATFORM>_BASE_URL overrides, for the platforms that have one."""
        return {name.removesuffix("_base_url"): value for name, value in self
                if name.endswith("_base_url") and isinstance(value, str) and value}

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.home / 'vitrine.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
