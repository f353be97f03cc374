"""Configuration from the environment (prefix `INTEGROME_`) or a `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["CdsClient", "ExternalIssuer", "Settings", "default_data_dir", "get_settings"]


def default_data_dir() -> Path:
    """The per-user data folder (platformdirs), home of the default SQLite database and secrets."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("integrome", appauthor=False))


class ExternalIssuer(BaseModel):
    """An identity provider whose bearer tokens the API accepts (OAuth2 / OpenID Connect).

    Given as JSON in `INTEGROME_TRUSTED_ISSUERS`, e.g.
    `[{"issuer": "https://idp.example.org", "jwks_url": "https://idp.example.org/jwks"}]`.
    """

    issuer: str
    jwks_url: str = Field(description="https:// URL or local path of the issuer's JWK Set")
    audience: str | None = Field(default=None, description="expected `aud`; None = the local audience")
    algorithms: list[str] = ["RS256", "RS384", "RS512", "ES256", "ES384"]
    role_claim: str = Field(default="integrome_role", description="claim naming the integrome role")


_CDS_ALGORITHMS = frozenset({"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})


class CdsClient(BaseModel):
    """An EHR allowed to call the CDS Hooks services (CDS Hooks 2.0, "Trusting CDS Clients").

    Given as JSON in `INTEGROME_CDS_CLIENTS`, e.g. `[{"issuer": "https://ehr.example.org",
    "jwks_url": "https://ehr.example.org/.well-known/jwks.json"}]`. The spec forbids `none` and
    symmetric (HMAC) algorithms and recommends ES384 and RS384; ES256/RS256 can be allowed here.
    """

    issuer: str = Field(min_length=1, description="the `iss` of the EHR's JWTs")
    jwks_url: str | None = Field(
        default=None,
        description="https:// URL (or local path) of the EHR's JWK Set; a token's `jku` must equal it",
    )
    jwks: dict[str, Any] | None = Field(default=None, description="the EHR's JWK Set, agreed out of band")
    algorithms: list[str] = ["ES384", "RS384"]
    fhir_servers: list[str] = Field(
        default=[],
        description="FHIR base URLs this service may call with the EHR's `fhirAuthorization` token",
    )

    @model_validator(mode="after")
    def _one_key_source(self) -> CdsClient:
        if (self.jwks_url is None) == (self.jwks is None):
            raise ValueError(f"CDS client {self.issuer!r}: give exactly one of jwks_url and jwks")
        unsupported = sorted(set(self.algorithms) - _CDS_ALGORITHMS)
        if unsupported or not self.algorithms:
            raise ValueError(
                f"CDS client {self.issuer!r}: algorithms must be asymmetric JWS algorithms "
                f"({', '.join(sorted(_CDS_ALGORITHMS))}); found {', '.join(unsupported) or 'none'}"
            )
        return self


class Settings(BaseSettings):
    """Process-wide settings; tests build their own instance instead of mutating the environment."""

    model_config = SettingsConfigDict(env_prefix="INTEGROME_", env_file=".env", extra="ignore")

    deterministic: bool = False
    """Pin `generated_at` and drop build identifiers so golden files diff cleanly."""
    kb_path: Path | None = None
    """An extra knowledge-base folder layered over the packaged core (importer output)."""
    database_url: str | None = None
    """SQLAlchemy URL; None = SQLite `integrome.db` in `data_dir` (postgresql+psycopg://… for PostgreSQL)."""
    require_shared: bool = False
    data_dir: Path = Field(default_factory=default_data_dir)
    """Default database, the generated token-signing secret and upload scratch space live here."""
    jwt_secret: SecretStr | None = None
    """HS256 key for locally issued tokens; None = generated once into `data_dir/jwt-secret` (0600)."""
    pseudonym_key: SecretStr | None = None
    """HMAC key turning record patient ids into stored pseudonyms; None = generated once into
    `data_dir/pseudonym-key` (0600). Servers sharing one database must share this key."""
    jwt_issuer: str = "integrome"
    jwt_audience: str = "integrome-api"
    access_token_minutes: int = Field(default=60, ge=1, le=24 * 60)
    trusted_issuers: list[ExternalIssuer] = []
    max_upload_bytes: int = Field(default=2 * 1024**3, ge=1)
    """Largest accepted request body (all files together); larger uploads get 413."""
    async_upload_bytes: int = Field(default=50 * 1024**2, ge=0)
    """Uploads above this size run as background jobs (202 + job id) even without `?async=true`."""
    job_workers: int = Field(default=2, ge=1)
    """Threads per server process that run background analyses."""
    log_level: str = "INFO"
    cds_clients: list[CdsClient] = []
    """EHRs whose signed JWTs the CDS Hooks endpoints accept; none configured = every call is refused."""
    cds_base_url: str | None = None
    """Public base URL of this server (https://cds.example.org). A CDS Hooks JWT's `aud` must be this
    plus /cds-services[/{id}]; None = the URL the request arrived at."""
    cors_origins: list[str] = []
    """Browser origins allowed to call /cds-services (e.g. https://sandbox.cds-hooks.org, whose
    pages call services from the browser); empty = no CORS headers. Other routes never get them."""

    def resolved_database_url(self) -> str:
        """`database_url`, or the SQLite file in `data_dir` (the folder is created when missing)."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'integrome.db'}"


def get_settings() -> Settings:
    return Settings()
