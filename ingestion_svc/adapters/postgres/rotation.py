"""Key rotation: a new KEK becomes current, every live data key is rewrapped under it in batches, and KEKs
no key refers to any more can leave the file. Data keys themselves never change (the sealed history on the
topics could not be re-encrypted); only their wrapping does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, bindparam, func, select

from ingestion_svc.adapters.kek import KekFile, add_kek, retire_keks
from ingestion_svc.adapters.postgres.data_keys import data_keys

# One rotation at a time per database (distinct from the relay's and the migrations' lock keys).
ROTATION_LOCK_KEY = 0x696E_6765_6B65_6B72
Report = Callable[[str], None]


@dataclass(frozen=True)
class RotationResult:
    current: str
    rewrapped: int
    retired: list[str]
    still_used: list[str]  # older KEKs some key refers to (only when not all were rewrapped)


def rotate_keys(
    engine: Engine, kek_path: str, *, retire: bool = False, batch_size: int = 500, report: Report = print
) -> RotationResult:
    """Adds a KEK as current, rewraps every live key under it, and with `retire` removes unused KEKs."""
    with engine.connect() as lock_connection:
        locked = lock_connection.execute(select(func.pg_try_advisory_lock(ROTATION_LOCK_KEY))).scalar_one()
        if not locked:
            raise RuntimeError("another rotate-keys is running on this database; wait for it to finish")
        try:
            current = add_kek(kek_path)
            report(f"new current KEK {current} added to {kek_path}")
            keks = KekFile(kek_path)
            rewrapped = _rewrap_all(engine, keks, current, batch_size, report)
            still_used = _older_keks_in_use(engine, current)
            retired = retire_keks(kek_path, still_used) if retire else []
        finally:
            lock_connection.execute(select(func.pg_advisory_unlock(ROTATION_LOCK_KEY)))
    for kek_id in retired:
        report(f"retired KEK {kek_id}: no data key refers to it")
    for kek_id in still_used:
        report(f"kept KEK {kek_id}: data keys still refer to it (written during the rotation); run again")
    return RotationResult(current, rewrapped, retired, still_used)


def _rewrap_all(engine: Engine, keks: KekFile, current: str, batch_size: int, report: Report) -> int:
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).where(*_under_an_older_kek(current))).scalar_one()
    report(f"{total} live data keys to rewrap under {current}")
    done, after = 0, ""
    while True:
        count, after = _rewrap_batch(engine, keks, current, after, batch_size)
        if count == 0:
            break
        done += count
        report(f"rewrapped {done}/{total}")
    return done


def _rewrap_batch(engine: Engine, keks: KekFile, current: str, after: str, size: int) -> tuple[int, str]:
    """Rewraps the next `size` keys after `after` in one transaction; the rows stay locked meanwhile, so an
    erasure waits, and an erased key (kek_id NULL) is never brought back."""
    ring = keks.ring()
    with engine.begin() as connection:
        rows = connection.execute(
            select(data_keys.c.data_id, data_keys.c.kek_id, data_keys.c.wrapped_key)
            .where(*_under_an_older_kek(current), data_keys.c.data_id > after)
            .order_by(data_keys.c.data_id)
            .limit(size)
            .with_for_update()
        ).all()
        if not rows:
            return 0, after
        updates = []
        for row in rows:
            key = ring.unwrap(row.data_id, row.kek_id, bytes(row.wrapped_key))
            kek_id, wrapped = ring.wrap(key)
            updates.append({"id": row.data_id, "old": row.kek_id, "kek": kek_id, "wrapped": wrapped})
        connection.execute(
            data_keys.update()
            .where(data_keys.c.data_id == bindparam("id"), data_keys.c.kek_id == bindparam("old"))
            .values(kek_id=bindparam("kek"), wrapped_key=bindparam("wrapped")),
            updates,
        )
    return len(rows), rows[-1].data_id


def _older_keks_in_use(engine: Engine, current: str) -> list[str]:
    with engine.connect() as connection:
        found = connection.execute(
            select(data_keys.c.kek_id).distinct().where(*_under_an_older_kek(current))
        ).scalars()
        return sorted(found)


def _under_an_older_kek(current: str) -> tuple[ColumnElement[bool], ...]:
    """Live keys (an erased one has no KEK) wrapped under another KEK than `current`."""
    return data_keys.c.kek_id.is_not(None), data_keys.c.kek_id != current
