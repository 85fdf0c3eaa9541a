"""The native stack's broker wants a token and gives each service's role its grants only (issue 22): a client
without a token is refused, a role may do what infra/pulsar/grants.sh grants it and nothing more, and every
supervised program was given its own role's token, never the superuser's. Checkers: tests/stack_security.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulsar
import pytest

from eventkit.pulsar.admin import PulsarAdmin
from eventkit.pulsar.client import make_client
from reliability.settings import REPO_ROOT, stack_environment
from reliability.supervisor import environment_of, pids
from tests.stack_security import (
    Grant,
    authorization_mismatches,
    credential_problems,
    granted,
    process_tree,
    token_subject,
)

pytestmark = pytest.mark.integration

ENV = stack_environment()
AUTH_DIR = Path(ENV["PULSAR_AUTH_DIR"])
ADMIN_TOKEN_FILE = AUTH_DIR / "admin.token"
SERVICE_ROLES = ("ingestion", "validation", "processing", "query")
NAMESPACE = "persistent://public/default"
GRANTS_SH = (REPO_ROOT / "infra/pulsar/grants.sh").read_text()
TOPICS = re.search(r'^PULSAR_TOPICS="([^"]*)"', GRANTS_SH, re.M)[1].split()  # type: ignore[index]


def _token(role: str) -> str:
    return (AUTH_DIR / f"{role}.token").read_text().strip()


def _admin(role: str | None) -> PulsarAdmin:
    return PulsarAdmin(ENV["PULSAR_ADMIN_URL"], _token(role) if role else "")


def test_each_role_has_a_token_of_its_own_in_a_directory_only_the_service_user_reads() -> None:
    assert AUTH_DIR.stat().st_mode & 0o777 == 0o700
    for role in ("admin", *SERVICE_ROLES):
        path = AUTH_DIR / f"{role}.token"
        assert path.stat().st_mode & 0o777 == 0o600, path
        assert token_subject(path.read_text()) == role
    assert (AUTH_DIR / "secret.key").stat().st_mode & 0o777 == 0o600


def test_the_admin_api_refuses_a_request_without_a_token() -> None:
    assert _admin(None).get("/namespaces/public/default").status_code == 401
    assert _admin("admin").get("/namespaces/public/default").status_code == 200


def test_a_client_without_a_token_cannot_produce() -> None:
    # The broker refuses the connection; the C++ client retries it until the operation times out.
    topic = f"{NAMESPACE}/data-ingested"
    for token, refused in (("", True), (_token("admin"), False)):  # the superuser's shows the broker serves
        client = make_client(ENV["PULSAR_SERVICE_URL"], operation_timeout_s=5, auth_token=token)
        try:
            client.create_producer(topic).close()
            produced = True
        except (pulsar.exceptions.AuthenticationError, pulsar.Timeout):
            produced = False
        finally:
            client.close()
        assert produced is not refused, f"token {'none' if not token else 'admin'}"


@pytest.mark.parametrize("role", SERVICE_ROLES)
def test_a_service_role_cannot_grant_itself_more_nor_read_the_namespace_policies(role: str) -> None:
    admin = _admin(role)
    grab = admin.request(
        "POST", f"/persistent/public/default/data-ingested/permissions/{role}", json=["consume"]
    )
    assert grab.status_code in (401, 403), grab.text
    assert admin.get("/namespaces/public/default/permissions").status_code in (401, 403)


def _allowed(opens: Callable[..., Any], *args: Any) -> bool:
    """True when the broker let the role open a producer or reader (closed at once), False when it refused the
    role; any other failure raises, so that an outage never reads as a refusal."""
    try:
        opens(*args).close()
    except pulsar.exceptions.AuthorizationError:
        return False
    return True


def _probe(client: pulsar.Client, role: str) -> dict[Grant, bool]:
    """What `role` may do on each topic: a producer sends nothing, a reader leaves no subscription behind."""
    found = {}
    for topic in TOPICS:
        name = f"{NAMESPACE}/{topic}"
        found[(role, "produce", topic)] = _allowed(client.create_producer, name)
        found[(role, "consume", topic)] = _allowed(client.create_reader, name, pulsar.MessageId.latest)
    return found


def test_each_service_role_may_do_what_it_is_granted_and_nothing_more() -> None:
    allowed: dict[Grant, bool] = {}
    for role in SERVICE_ROLES:
        client = make_client(ENV["PULSAR_SERVICE_URL"], operation_timeout_s=10, auth_token=_token(role))
        try:
            allowed |= _probe(client, role)
        finally:
            client.close()
    assert authorization_mismatches(allowed, granted(GRANTS_SH)) == []
    # The cases the issue names, so that a change of the table alone cannot make them pass.
    assert not allowed[("ingestion", "consume", "data-ingested")]
    assert not allowed[("ingestion", "produce", "data-validated")]
    assert not allowed[("validation", "produce", "data-ingested")]
    assert allowed[("ingestion", "produce", "data-ingested")]
    assert allowed[("validation", "consume", "data-ingested")]
    assert allowed[("validation", "produce", "data-validated")]


def _own_token_file(program: str) -> str | None:
    """A service program's own role's token file; None for the stores and the supervisor's listener."""
    role, _, kind = program.partition("-")
    return (
        str(AUTH_DIR / f"{role}.token")
        if role in SERVICE_ROLES and kind in ("api", "relay", "consumer")
        else None
    )


def test_every_supervised_process_holds_its_own_roles_token_and_never_the_superusers() -> None:
    running = {program: pid for program, pid in pids().items() if pid}
    assert sum(_own_token_file(program) is not None for program in running) == 10, running
    problems = {}
    for program, pid in running.items():
        for member in process_tree(pid):
            try:
                environ = environment_of(member)
            except (FileNotFoundError, ProcessLookupError):
                continue  # exited meanwhile
            found = credential_problems(environ, _own_token_file(program), str(ADMIN_TOKEN_FILE))
            if found:
                problems[(program, member)] = found
    assert not problems, problems
