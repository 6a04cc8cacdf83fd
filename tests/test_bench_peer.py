"""The chat-analytics side of `make bench`: installed into the bench cache, or a clear reason why not."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import peer_chat_analytics as peer


def test_without_npm_the_peer_is_reported_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_BENCH_CACHE", str(tmp_path))
    monkeypatch.setattr(peer.shutil, "which", lambda name: None)
    with pytest.raises(peer.PeerMissing, match="npm and node are not installed"):
        peer.install()


def test_a_failed_install_says_what_npm_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_BENCH_CACHE", str(tmp_path))
    fake_npm = tmp_path / "npm"
    fake_npm.write_text("#!/bin/sh\necho 'npm ERR! network unreachable' >&2\nexit 1\n")
    fake_npm.chmod(0o755)
    monkeypatch.setattr(peer.shutil, "which", lambda name: str(fake_npm))
    with pytest.raises(peer.PeerMissing, match="network unreachable"):
        peer.install()


def test_inputs_leave_out_the_exports_without_messages(tmp_path: Path) -> None:
    full, empty = tmp_path / "full.json", tmp_path / "empty.json"
    full.write_text('{"guild": {}, "channel": {}, "messages": [{"id": "1"}]}')
    empty.write_text('{"guild": {}, "channel": {}, "messages": []}')
    folder = peer.inputs([full, empty], tmp_path / "in")
    assert sorted(p.name for p in folder.iterdir()) == ["full.json"]
    assert (folder / "full.json").resolve() == full.resolve()
