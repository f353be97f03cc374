"""Configuration from the environment (prefix `INTEGROME_`) or a `.env` file."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Process-wide settings; tests build their own instance instead of mutating the environment."""

    model_config = SettingsConfigDict(env_prefix="INTEGROME_", env_file=".env", extra="ignore")

    deterministic: bool = False
    """Pin `generated_at` and drop build identifiers so golden files diff cleanly."""
    kb_path: Path | None = None
    """An extra knowledge-base folder layered over the packaged core (importer output)."""
    database_url: str | None = None
    require_shared: bool = False


def get_settings() -> Settings:
    return Settings()
