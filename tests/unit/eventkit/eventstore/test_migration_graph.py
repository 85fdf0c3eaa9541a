"""eventkit's revision graph, read without a database: one branch, and EVENTKIT_HEAD names its head."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from eventkit.postgres.migrations import EVENTKIT_BRANCH, EVENTKIT_HEAD, alembic_config


def test_eventkit_head_names_the_head_of_the_eventkit_branch() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())

    assert scripts.get_heads() == [EVENTKIT_HEAD]
    head = scripts.get_revision(f"{EVENTKIT_BRANCH}@head")
    assert head is not None
    assert head.revision == EVENTKIT_HEAD


def test_a_service_directory_joins_the_graph_as_a_second_head(tmp_path: Path) -> None:
    (tmp_path / "svc_0001_keys.py").write_text(
        "revision = 'svc_0001'\ndown_revision = None\nbranch_labels = ('svc',)\n"
        f"depends_on = '{EVENTKIT_HEAD}'\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n",
        encoding="utf-8",
    )

    scripts = ScriptDirectory.from_config(alembic_config([str(tmp_path)]))

    assert sorted(scripts.get_heads()) == sorted([EVENTKIT_HEAD, "svc_0001"])
    service = scripts.get_revision("svc@head")
    assert service is not None
    assert service.dependencies == EVENTKIT_HEAD
