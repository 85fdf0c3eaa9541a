"""validation_svc's settings, read from the environment (and the rules file) once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eventkit.auth.settings import AuthSettings
from eventkit.sealing.keys import DataKeys, KeyServiceSettings, data_keys_of
from eventkit.settings import Env, RuntimeSettings, SettingsError
from validation_svc.adapters.rules_file import load_rule_book
from validation_svc.domain.errors import RulesInvalid
from validation_svc.domain.ruleset import RuleBook

DEFAULT_RULES_FILE = Path(__file__).resolve().parent.parent / "infra" / "validation" / "rules.json"


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    auth: AuthSettings
    redis_url: str
    rules_file: str
    rule_book: RuleBook
    max_redeliveries: int
    batch: int  # most runs logged in one round trip to Redis
    batch_wait_ms: int  # longest wait for a batch to fill (adds at most this to a record's lag)
    key_service: KeyServiceSettings | None  # only the consumer asks for data keys; None when not configured

    @classmethod
    def from_env(cls, env: Env | None = None) -> Settings:
        env = env or Env()
        rules_file = env.text("VALIDATION_RULES_FILE", str(DEFAULT_RULES_FILE))
        try:
            rule_book = load_rule_book(Path(rules_file))
        except RulesInvalid as error:
            raise SettingsError(f"VALIDATION_RULES_FILE: {error}") from None
        return cls(
            runtime=RuntimeSettings.from_env("validation_svc", 5004, env),
            auth=AuthSettings.from_env(env),
            redis_url=env.url("REDIS_URL", "redis://localhost:6379/0", schemes=("redis", "rediss", "unix")),
            rules_file=rules_file,
            rule_book=rule_book,
            max_redeliveries=env.integer("MAX_REDELIVERIES", 5, minimum=1, maximum=100),
            batch=env.integer("VALIDATION_BATCH", 100, minimum=1, maximum=1000),
            batch_wait_ms=env.integer("VALIDATION_BATCH_WAIT_MS", 10, minimum=1, maximum=5000),
            key_service=KeyServiceSettings.optional_from_env(env),
        )

    def data_keys(self) -> DataKeys:
        """The consumer's data keys, from ingestion's key store (SettingsError without a service key)."""
        return data_keys_of(self.key_service, READER)


READER = "the validation consumer"
