"""One settings object, read from the environment (prefix `VITRINE_`) or a `.env` file."""

from functools import lru_cache
from pathlib import Path

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
    bulk_max_items: int = 1000
    import_max_bytes: int = 50 * 1024 * 1024
    page_size_max: int = 500

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.home / 'vitrine.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
