"""Who is calling: the principal an API key stands for, and what it may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flask import g

from eventkit.problems import Problem

# A service key stands for another service of this system (a consumer asking ingestion for data keys): it
# sees no partner's records and reaches only the routes marked for services (eventkit.auth.guard).
Role = Literal["partner", "admin", "service"]


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: Role
    partner_id: str | None  # set for partners, None for admins and services

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_service(self) -> bool:
        return self.role == "service"

    @property
    def partner_scope(self) -> str | None:
        """The partner every read and write is confined to; None for an admin, who sees all. A service sees
        no partner's records (the guard refuses it first; this holds should a route be left unmarked)."""
        if self.is_service:
            raise Problem(403, "A service key may not read or write partners' records.")
        return None if self.is_admin else self.partner_id

    def may_access(self, partner_id: str) -> bool:
        return self.is_admin or self.partner_id == partner_id

    @property
    def name(self) -> str:
        return f"{self.role}:{self.partner_id or '*'}:{self.key_id}"


def current_principal() -> Principal:
    """The authenticated caller of the current request (the auth layer sets it before any route runs)."""
    principal = g.get("principal")
    if not isinstance(principal, Principal):
        raise Problem(401, "An API key is required: send Authorization: Bearer <key> or X-API-Key.")
    return principal


def require_admin() -> Principal:
    principal = current_principal()
    if not principal.is_admin:
        raise Problem(403, "This endpoint needs an admin key.")
    return principal
