"""Settings of the web service (environment variables ``GREENMET_…`` or arguments)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ServiceSettings"]


class ServiceSettings(BaseSettings):
    """Where the data are and how the service guards them. Units are in the names.

    The data directory holds ``records.duckdb`` (users, sessions, alerts, reports, audit log),
    ``historian/`` (plant time series) and ``uploads/`` (activity files people uploaded, by their
    SHA-256).
    """

    model_config = SettingsConfigDict(env_prefix="GREENMET_", extra="forbid")

    data_directory: Path = Field(description="The data directory (records, historian, uploads).")
    session_lifetime_s: int = Field(
        default=8 * 3600, gt=0, description="A login lasts this long (one shift)."
    )
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="Largest accepted upload.")
    secure_cookies: bool = Field(
        default=True, description="Send cookies over HTTPS only (browsers treat http://localhost as secure)."
    )
    login_failures_per_window: int = Field(
        default=5,
        gt=0,
        description="Failed logins allowed per user and "
        "address in a window before further attempts are refused.",
    )
    login_window_s: int = Field(default=300, gt=0, description="The window of the login rate limit.")

    @property
    def records_path(self) -> Path:
        return self.data_directory / "records.duckdb"

    @property
    def historian_root(self) -> Path:
        return self.data_directory / "historian"

    @property
    def uploads_directory(self) -> Path:
        return self.data_directory / "uploads"
