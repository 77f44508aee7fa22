"""Configuration from the environment (and an optional .env file), validated at start."""

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from api.rate_limits import RateLimitPolicy, parse_limit
from domain.errors import InvalidInput
from domain.money import currency_of
from domain.webhooks.urls import EndpointUrlPolicy

Environment = Literal["dev", "test", "production"]
PASSWORD_HASH_ITERATIONS = 2
PASSWORD_HASH_MEMORY_KIB = 19_456


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AGORA_", env_file=".env", extra="ignore", validate_by_name=True
    )

    env: Environment = Field("dev", description="dev shows GraphiQL; production needs real stores.")
    database_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DATABASE_URL", "AGORA_DATABASE_URL"),
        description="PostgreSQL URL; unset starts the embedded PostgreSQL under data_dir.",
    )
    redis_url: str | None = Field(
        None,
        validation_alias=AliasChoices("REDIS_URL", "AGORA_REDIS_URL"),
        description="Redis URL; unset starts the embedded Redis under data_dir.",
    )
    database_read_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DATABASE_READ_URL", "AGORA_DATABASE_READ_URL"),
        description="Where reads that may lag a moment go (browsing listings and campaigns), "
        "e.g. the cluster's hosts with target_session_attrs=prefer-standby; unset: the primary. "
        "Money decisions always read DATABASE_URL.",
    )
    data_dir: Path = Field(Path(".agora"), description="Where the embedded stores keep data.")
    currency: str = Field("CNY", description="The platform's home currency (ISO 4217).")
    log_level: str = Field("info")
    log_json: bool = Field(True, description="JSON log lines; false for human-readable ones.")
    db_pool_size: int = Field(10, ge=1)
    db_max_overflow: int = Field(10, ge=0)
    redis_max_connections: int = Field(100, ge=1)
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated origins allowed by CORS and WebSocket."
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1", description="Proxies whose X-Forwarded-For is trusted (comma-separated, or *)."
    )
    jwt_secret: SecretStr | None = Field(
        None, description="Signs access tokens: 32+ random bytes, base64. Required in production."
    )
    data_key: SecretStr | None = Field(
        None, description="Encrypts personal data: 32 random bytes, base64. Required in production."
    )
    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token Prometheus sends for /metrics; without one, production "
        "answers /metrics with 404 (elsewhere it is open).",
    )
    max_subscriptions_per_connection: int = Field(20, ge=1)
    revocation_recheck_seconds: float = Field(
        5.0,
        gt=0,
        le=300,
        description="How often open WebSockets are re-checked against revocations (a backstop: "
        "revocations are announced to every process and close sockets at once).",
    )
    subscriber_buffer: int = Field(
        1000, ge=1, description="Events one subscription may have waiting; beyond, SLOW_CONSUMER."
    )
    persisted_queries: int = Field(
        1000,
        ge=1,
        description="Documents each process keeps for automatic persisted queries (by their "
        "SHA-256); Redis keeps them too, for every process, a day each.",
    )
    max_body_bytes: int = Field(1 << 20, ge=1024, description="Larger request bodies get 413.")
    max_json_depth: int = Field(
        64, ge=8, le=1000, description="JSON nested deeper (body, WebSocket message) is refused."
    )
    shutdown_grace_seconds: float = Field(10.0, ge=0, description="Drain time on SIGTERM.")
    relay_enabled: bool = Field(
        True, description="Run the outbox relay in this process (one leader publishes at a time)."
    )
    relay_database_timeout_seconds: float = Field(
        5.0,
        gt=0,
        le=300,
        description="How long the relay waits on one step on PostgreSQL before it drops its "
        "connection and connects again (a failed-over primary, a statement stuck on a lock).",
    )
    in_process_worker: bool | None = Field(
        None,
        description="Run the worker's jobs inside the API process (one leader at a time); "
        "unset: on exactly when the database is the embedded one.",
    )
    event_stream_maxlen: int = Field(
        100_000, ge=1000, description="Events kept per topic stream (approximate trimming)."
    )
    rate_limits_enabled: bool = Field(
        True, description="Off only for benchmarks and load tests; limits guard sign-in."
    )
    rate_limit_per_ip: str = Field(
        "600/minute", description="Requests and WebSocket handshakes per address (IPv6: per /64)."
    )
    rate_limit_per_client: str = Field(
        "300/minute", description="GraphQL requests per signed-in person or API key."
    )
    rate_limit_login_per_ip: str = Field("20/minute", description="Sign-in attempts per address.")
    rate_limit_login_per_account: str = Field(
        "10/minute", description="Sign-in attempts per login, above the lockout's free tries."
    )
    redis_request_timeout_seconds: float = Field(
        0.05,
        gt=0,
        le=60,
        description="How long a request waits for Redis (a revocation check, a rate-limit hit, "
        "a pooled connection included); unanswered by then, PostgreSQL's record answers the "
        "revocation check and the process's own limiter the hit.",
    )
    # OWASP's argon2id minimum (19 MiB, 2 iterations) is the default and, in production, the
    # floor; the test suite lowers it, as hashing is not what most of its tests are about.
    password_hash_iterations: int = Field(
        PASSWORD_HASH_ITERATIONS, ge=1, description="argon2id iterations per password hash."
    )
    password_hash_memory_kib: int = Field(
        PASSWORD_HASH_MEMORY_KIB, ge=8, description="argon2id memory per password hash (KiB)."
    )
    webhook_allow_private_addresses: bool | None = Field(
        None,
        description="Deliver webhooks to private, loopback and link-local addresses "
        "(unset: everywhere but production).",
    )
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=60, description="Per delivery attempt.")
    webhook_disable_after_days: float = Field(
        5.0,
        ge=0,
        description="Switch off an endpoint that failed every delivery this long (0: never).",
    )
    webhook_log_retention_days: float = Field(
        30.0,
        ge=0,
        description="Keep finished webhook deliveries and their attempts this long (0: forever).",
    )

    @model_validator(mode="after")
    def _password_hashing_strong_enough(self) -> Self:
        weaker = (
            self.password_hash_iterations < PASSWORD_HASH_ITERATIONS
            or self.password_hash_memory_kib < PASSWORD_HASH_MEMORY_KIB
        )
        if self.env == "production" and weaker:
            raise ValueError(
                "password hashing below argon2id's minimum (2 iterations, 19456 KiB) "
                "is refused in production"
            )
        return self

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, code: str) -> str:
        try:
            currency_of(code)
        except InvalidInput as error:
            raise ValueError(error.message) from error
        return code

    @field_validator(
        "rate_limit_per_ip",
        "rate_limit_per_client",
        "rate_limit_login_per_ip",
        "rate_limit_login_per_account",
    )
    @classmethod
    def _rate_limit(cls, text: str) -> str:
        parse_limit(text)  # a typo stops the process at start, naming the variable
        return text

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def rate_limit_policy(self) -> RateLimitPolicy:
        return RateLimitPolicy.from_strings(
            per_ip=self.rate_limit_per_ip,
            per_client=self.rate_limit_per_client,
            login_per_ip=self.rate_limit_login_per_ip,
            login_per_account=self.rate_limit_login_per_account,
        )

    @property
    def webhook_url_policy(self) -> EndpointUrlPolicy:
        """Production: https to public addresses only. Elsewhere: http to loopback too."""
        production = self.env == "production"
        allow_private = self.webhook_allow_private_addresses
        return EndpointUrlPolicy(
            allow_http_to_loopback=not production,
            allow_private_addresses=not production if allow_private is None else allow_private,
        )

    @cached_property
    def uses_embedded_stores(self) -> bool:
        return self.database_url is None or self.redis_url is None

    @property
    def runs_worker_in_process(self) -> bool:
        """The embedded default is the whole platform in one command; elsewhere `agora worker`
        is a process of its own."""
        if self.in_process_worker is None:
            return self.database_url is None
        return self.in_process_worker

    @property
    def graphiql_enabled(self) -> bool:
        return self.env == "dev"
