from __future__ import annotations

import pytest

from tests.db.conftest import PG_ENV, postgres_base_url


def test_postgres_is_required_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PG_ENV, raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=PG_ENV):
        postgres_base_url()


def test_postgres_is_skipped_locally_without_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PG_ENV, raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"postgres\.sh"):
        postgres_base_url()


def test_postgres_url_is_made_async(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PG_ENV, "postgresql://u:p@127.0.0.1:55432/db")
    assert postgres_base_url() == "postgresql+asyncpg://u:p@127.0.0.1:55432/db"
