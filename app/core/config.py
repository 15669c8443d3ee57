"""Settings from the environment (prefix ``OPENCALL_``) or a ``.env`` file.

Every setting is documented in ``.env.example``; the README's configuration table mirrors it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
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
    # At start-up, files a crash left in upload_dir (no record names them, or an unfinished
    # write) are removed once older than this; the grace protects another host's upload.
    upload_orphan_grace_seconds: int = Field(default=3600, ge=0)
    # Where uploaded files live: the local disk (upload_dir) or an S3-compatible bucket.
    storage_backend: Literal["local", "s3"] = "local"
    s3_bucket: str | None = None
    # Unset: AWS itself. Set for MinIO, Garage, Cloudflare R2 and the like.
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    # Unset: the standard AWS credential chain (environment, profile, instance role).
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    # Prepended to every object name, so one bucket can hold several installations.
    s3_prefix: str = ""
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

    @field_validator(
        "s3_bucket",
        "s3_endpoint_url",
        "s3_region",
        "s3_access_key_id",
        "s3_secret_access_key",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # A line left empty in .env (OPENCALL_S3_ENDPOINT_URL=) means "not set".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("s3_endpoint_url")
    @classmethod
    def _check_s3_endpoint_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(
                    "s3_endpoint_url must be an absolute http(s) URL, e.g. http://127.0.0.1:9000"
                )
        return value

    @field_validator("s3_prefix")
    @classmethod
    def _check_s3_prefix(cls, value: str) -> str:
        prefix = value.strip("/")
        segments = prefix.split("/") if prefix else []
        if any(
            segment in (".", "..") or not re.fullmatch(r"[A-Za-z0-9._-]+", segment)
            for segment in segments
        ):
            raise ValueError(
                "s3_prefix must be letters, digits, '.', '_' or '-' in segments joined by '/', "
                "e.g. opencall/uploads"
            )
        return prefix

    @model_validator(mode="after")
    def _check_storage(self) -> Settings:
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ValueError("OPENCALL_S3_BUCKET must be set when OPENCALL_STORAGE_BACKEND is s3")
        if (self.s3_access_key_id is None) != (self.s3_secret_access_key is None):
            raise ValueError(
                "OPENCALL_S3_ACCESS_KEY_ID and OPENCALL_S3_SECRET_ACCESS_KEY go together: "
                "set both, or neither to use the standard AWS credential chain"
            )
        return self

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
