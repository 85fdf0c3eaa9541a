"""validation_svc's settings, read from the environment (and the rules file) once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eventkit.auth.settings import AuthSettings
from eventkit.pulsar.delivery import Delivery
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
    delivery: Delivery  # VALIDATION_BATCH etc.: a batch's runs are logged in one round trip to Redis
    key_service: KeyServiceSettings | None  # only the consumer asks for data keys; None when not configured

    @classmethod
    def from_env(cls, env: Env | None = None) -> Settings:
        env = env or Env()
        if env.optional_text("MAX_REDELIVERIES"):  # its name until the services shared one rule
            raise SettingsError("MAX_REDELIVERIES is now VALIDATION_MAX_REDELIVERIES: rename it")
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
            delivery=Delivery.from_env(env, "VALIDATION", batch=100, max_batch=1000),
            key_service=KeyServiceSettings.optional_from_env(env),
        )

    def data_keys(self) -> DataKeys:
        """The consumer's data keys, from ingestion's key store (SettingsError without a service key)."""
        return data_keys_of(self.key_service, READER)


READER = "the validation consumer"
