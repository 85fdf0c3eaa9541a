"""processing_svc's settings, read from the environment once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eventkit.auth.settings import AuthSettings
from eventkit.pulsar.delivery import Delivery
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
    delivery: Delivery  # PROCESSING_BATCH etc.: a batch is processed in one transaction
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
            delivery=Delivery.from_env(env, "PROCESSING", batch=100, max_batch=1000),
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
