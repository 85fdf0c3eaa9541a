"""Every consumer's delivery is read from the environment by one rule: `{PREFIX}_BATCH` and its siblings."""

from __future__ import annotations

import pytest

from eventkit.pulsar.delivery import Delivery
from eventkit.settings import Env, SettingsError


def test_without_variables_a_delivery_takes_the_service_batch_and_the_shared_defaults() -> None:
    delivery = Delivery.from_env(Env({}), "PROCESSING", batch=100, max_batch=1000)

    assert delivery == Delivery(batch=100, batch_wait_ms=10, max_redeliveries=5, nack_delay_ms=1000)


def test_each_variable_is_named_by_the_prefix() -> None:
    env = Env(
        {
            "VALIDATION_BATCH": "7",
            "VALIDATION_BATCH_WAIT_MS": "30",
            "VALIDATION_MAX_REDELIVERIES": "2",
            "VALIDATION_NACK_DELAY_MS": "250",
            "PROCESSING_BATCH": "999",  # another service's: not read
        }
    )

    delivery = Delivery.from_env(env, "VALIDATION", batch=100, max_batch=1000)

    assert delivery == Delivery(batch=7, batch_wait_ms=30, max_redeliveries=2, nack_delay_ms=250)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PROJECTOR_BATCH", "5001"),
        ("PROJECTOR_BATCH", "0"),
        ("PROJECTOR_MAX_REDELIVERIES", "0"),
        ("PROJECTOR_NACK_DELAY_MS", "5"),
        ("PROJECTOR_BATCH_WAIT_MS", "many"),
    ],
)
def test_a_value_out_of_range_is_refused_naming_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Delivery.from_env(Env({variable: value}), "PROJECTOR", batch=200, max_batch=5000)


@pytest.mark.parametrize("fields", [{"batch": 0}, {"max_redeliveries": 0}])
def test_a_delivery_that_could_not_run_is_refused_when_made(fields: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=next(iter(fields))):
        Delivery(**fields)
