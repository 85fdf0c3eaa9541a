"""processing_svc's settings, read from the environment once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eventkit.auth.settings import AuthSettings
from eventkit.sealing.keys import DataKeys, KeyServiceSettings, data_keys_of
from eventkit.settings import Env, RuntimeSettings, SettingsError, postgres_url
from processing_svc.adapters.expected_fields_file import load_expected_fields
from processing_svc.domain.errors import InvalidExpectedFields
from processing_svc.domain.steps.quality import ExpectedFields

DEFAULT_EXPECTED_FIELDS = Path(__file__).resolve().parent.parent / "infra/processing/expected_fields.json"


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    auth: AuthSettings
    database_url: str
    expected_fields: ExpectedFields  # per partner, for the quality step
    max_redeliveries: int  # tries of a failing message before it is dead-lettered
    nack_delay_ms: int
    batch: int  # most records processed in one transaction
    batch_wait_ms: int  # longest wait for a batch to fill (adds at most this to a record's lag)
    outbox_retention_s: int  # how long the relay keeps a published outbox row before purging it
    key_service: (
        KeyServiceSettings | None
    )  # the consumer and the API ask for data keys; relay and migrate not

    @classmethod
    def from_env(cls, env: Env | None = None) -> Settings:
        env = env or Env()
        return cls(
            runtime=RuntimeSettings.from_env("processing_svc", 5003, env),
            auth=AuthSettings.from_env(env),
            database_url=postgres_url(env, "postgresql://processing:processing@localhost:5432/processing"),
            expected_fields=_expected_fields(env),
            max_redeliveries=env.integer("PROCESSING_MAX_REDELIVERIES", 5, minimum=1, maximum=100),
            nack_delay_ms=env.integer("PROCESSING_NACK_DELAY_MS", 1000, minimum=10, maximum=600_000),
            batch=env.integer("PROCESSING_BATCH", 100, minimum=1, maximum=1000),
            batch_wait_ms=env.integer("PROCESSING_BATCH_WAIT_MS", 10, minimum=1, maximum=5000),
            outbox_retention_s=env.integer("OUTBOX_RETENTION_S", 60, minimum=0, maximum=30 * 86_400),
            key_service=KeyServiceSettings.optional_from_env(env),
        )

    def data_keys(self) -> DataKeys:
        """The data keys of the consumer and the API, from ingestion's key store; SettingsError naming the
        variables when this process was given no service key."""
        return data_keys_of(self.key_service, "processing")


def _expected_fields(env: Env) -> ExpectedFields:
    path = Path(env.text("PROCESSING_EXPECTED_FIELDS_FILE", str(DEFAULT_EXPECTED_FIELDS)))
    try:
        return load_expected_fields(path)
    except InvalidExpectedFields as error:
        raise SettingsError(f"PROCESSING_EXPECTED_FIELDS_FILE: {error}") from None
