"""The relay's queries on the outbox: number committed rows, load the unpublished, mark and purge them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Engine,
    Integer,
    Interval,
    Row,
    Update,
    bindparam,
    delete,
    func,
    select,
    update,
)

from eventkit.messaging import OutboundMessage
from eventkit.postgres.errors import translated_errors
from eventkit.postgres.schema import outbox, outbox_relay_state


def _numbering() -> Update:
    """One statement that gives up to `:limit` committed, unnumbered rows the positions after `:last`, in id
    order. Built once, so SQLAlchemy compiles it once (a VALUES list of the ids was compiled every cycle)."""
    picked = (
        select(outbox.c.id)
        .where(outbox.c.position.is_(None))
        .order_by(outbox.c.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update()
        .cte("picked")
    )
    position = bindparam("last", type_=BigInteger) + func.row_number().over(order_by=picked.c.id)
    numbered = select(picked.c.id, position.label("position")).cte("numbered")
    return update(outbox).where(outbox.c.id == numbered.c.id).values(position=numbered.c.position)


# Every statement is built once: the relay runs a cycle for each commit, and building a statement (and
# its cache key) cost more Python time than executing it.
_NUMBER = _numbering()
_LAST_POSITION = select(outbox_relay_state.c.last_position).with_for_update()
_ADVANCE = update(outbox_relay_state).values(last_position=bindparam("last", type_=BigInteger))
_UNPUBLISHED = (
    select(outbox)
    .where(outbox.c.position.is_not(None), outbox.c.published_at.is_(None))
    .order_by(outbox.c.position)
    .limit(bindparam("limit", type_=Integer))
)
_MARK_PUBLISHED = (
    update(outbox)
    .where(outbox.c.position.in_(bindparam("positions", expanding=True)), outbox.c.published_at.is_(None))
    .values(published_at=func.now())
    .returning(func.extract("epoch", outbox.c.published_at - outbox.c.created_at))
)
_BACKLOG = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
# Oldest first, at most `:limit` rows (index ix_outbox_published, migration eventkit_0003): a purge is
# a short transaction however far behind it is. `published_at < ...` is never true of an unpublished row.
_PURGE = delete(outbox).where(
    outbox.c.id.in_(
        select(outbox.c.id)
        .where(outbox.c.published_at < func.now() - bindparam("retention", type_=Interval))
        .order_by(outbox.c.published_at)
        .limit(bindparam("limit", type_=Integer))
        .scalar_subquery()
    )
)


class OutboxRows:
    """Reads and updates `outbox` and `outbox_relay_state`, each step in its own short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def assign_positions(self, limit: int) -> int:
        """Gives up to `limit` committed, unnumbered rows the next publication positions, in id order."""
        with translated_errors("number outbox rows"), self._engine.begin() as connection:
            # The state row lock serializes numbering even if two relays ever ran at once.
            last = connection.execute(_LAST_POSITION).scalar_one()
            numbered = connection.execute(_NUMBER, {"limit": limit, "last": last}).rowcount
            if numbered:
                connection.execute(_ADVANCE, {"last": last + numbered})
        return int(numbered)

    def numbered_unpublished(self, limit: int) -> list[OutboundMessage]:
        """Returns numbered rows not yet confirmed by the broker, lowest position first."""
        with translated_errors("load unpublished outbox rows"), self._engine.connect() as connection:
            return [_message(row) for row in connection.execute(_UNPUBLISHED, {"limit": limit})]

    def mark_published(self, positions: Sequence[int]) -> list[float]:
        """Stamps the rows as published; returns each one's seconds from insert to confirmation."""
        with translated_errors("mark outbox rows published"), self._engine.begin() as connection:
            lags = connection.execute(_MARK_PUBLISHED, {"positions": list(positions)}).scalars()
            return [float(seconds) for seconds in lags]

    def backlog(self) -> int:
        """Counts the rows the broker has not confirmed yet."""
        with translated_errors("count the outbox backlog"), self._engine.connect() as connection:
            return int(connection.execute(_BACKLOG).scalar_one())

    def purge_published(self, older_than: timedelta, limit: int) -> int:
        """Deletes up to `limit` rows published over `older_than` ago, oldest first; returns how many."""
        with translated_errors("purge published outbox rows"), self._engine.begin() as connection:
            return int(connection.execute(_PURGE, {"retention": older_than, "limit": limit}).rowcount)


def _message(row: Row[Any]) -> OutboundMessage:
    return OutboundMessage(
        topic=row.topic,
        key=row.message_key,
        payload=bytes(row.payload),
        event_id=row.event_id,
        properties=dict(row.properties),
        sequence_id=row.position,
    )
