"""Settings from the environment (prefix ``OPENCALL_``) or a ``.env`` file.

Every setting is documented in ``.env.example``; the README's configuration table mirrors it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The shipped secret; accepted only in development and test, refused elsewhere.
DEFAULT_SECRET_KEY = "change-me-opencall-development-secret"  # noqa: S105 (refused in production)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OPENCALL_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./opencall.db"
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    db_connect_timeout: int = Field(default=3, ge=1, le=60)
    secret_key: str = DEFAULT_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"
    upload_dir: str = "./uploads"
    # Extra origins trusted for cookie-authenticated writes and CORS (comma-separated in env).
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    redis_url: str | None = None

    session_days: int = Field(default=14, ge=1, le=365)
    verify_token_hours: int = Field(default=48, ge=1)
    reset_token_minutes: int = Field(default=60, ge=5)
    max_json_bytes: int = Field(default=1_000_000, ge=1024)
    # Importing entries from a CSV file: the largest file, and the most entries in one.
    import_max_bytes: int = Field(default=10_000_000, ge=1024)
    import_max_rows: int = Field(default=5_000, ge=1)

    # Login throttling: failures allowed per window, per account and per client address.
    login_window_seconds: int = Field(default=900, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)

    # argon2id parameters (see README "Password hashing" for the measured cost).
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)

    mail_backend: Literal["console", "smtp"] = "console"
    mail_from: str = "OpenCall <no-reply@localhost>"
    mail_sender_in_app: bool = True
    mail_poll_seconds: float = Field(default=2.0, gt=0)
    # How often each sender looks for date-driven messages that have come due.
    mail_schedule_seconds: float = Field(default=60.0, gt=0)
    mail_max_attempts: int = Field(default=8, ge=1)
    mail_retry_base_seconds: float = Field(default=30.0, gt=0)
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout: float = 10.0

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                "base_url must be an absolute http(s) URL, e.g. https://opencall.example.org"
            )
        return value.rstrip("/")

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        if self.environment == "production":
            if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
                raise ValueError(
                    "OPENCALL_SECRET_KEY must be set to a random value of at least 32 characters "
                    "outside development "
                    "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
            if "*" in self.cors_origins:
                raise ValueError("OPENCALL_CORS_ORIGINS may not be '*' in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def base_origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
