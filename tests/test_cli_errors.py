"""`python -m bot` failures at start-up: one plain line each, and the exit status `--help` lists.

Discord is never reached from here: a refused token comes from a small local HTTP server that
answers `GET /users/@me` with 401 (or discord.py's login raising), no network from a port nothing
listens on (or aiohttp's DNS error raised in its place).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import discord
import pytest
import pytest_asyncio
from aiohttp import web

from bot.__main__ import main
from bot.cli.failures import EXIT_STATUSES, database_failure, network_reason, shown_url

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "bot" / "sample" / "data" / "exports"
ONE_EXPORT = next(iter(sorted(EXPORTS.glob("community--general--*.json"))))

# Runs `python -m bot ARGS` with discord.py's REST base pointed at argv[1].
POINTED_AT = (
    "import sys, discord.http\n"
    "discord.http.Route.BASE = sys.argv[1]\n"
    "from bot.__main__ import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest_asyncio.fixture
async def refusing_discord() -> AsyncIterator[str]:
    """A REST base whose `/users/@me` says what Discord says to a wrong token."""

    async def me(_request: web.Request) -> web.Response:
        return web.Response(
            status=401, body=b'{"message": "401: Unauthorized", "code": 0}', content_type="application/json"
        )

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", me)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}/api/v10"
    finally:
        await runner.cleanup()


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "HEARTH_"))}
    env.update(DISCORD_TOKEN="not-a-real-token", HEARTH_DATABASE_URL=str(tmp_path / "hearth.db"))
    return env


async def _run_bot(base: str, tmp_path: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", POINTED_AT, base, "run",
        cwd=tmp_path, env=_env(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


@pytest.mark.timeout(180)
async def test_a_refused_token_is_one_line_and_exit_3(refusing_discord: str, tmp_path: Path) -> None:
    code, err = await _run_bot(refusing_discord, tmp_path)
    assert code == 3, err
    assert "Traceback" not in err and "LoginFailure" not in err
    assert _error_lines(err) == [
        "error: Discord refused the token (DISCORD_TOKEN / [discord] token): check it in the Developer Portal "
        "(Applications > your bot > Bot > Reset Token) and set it again"
    ]
    assert err.rstrip().splitlines()[-1].startswith("error: ")
    assert "not-a-real-token" not in err


@pytest.mark.timeout(180)
async def test_discord_out_of_reach_is_one_line_and_exit_4(tmp_path: Path) -> None:
    code, err = await _run_bot(f"http://127.0.0.1:{_free_port()}/api/v10", tmp_path)
    assert code == 4, err
    assert "Traceback" not in err
    assert _error_lines(err) == [
        "error: cannot reach Discord (connection refused): check the network connection and DNS, then start again"
    ]


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[discord]\ntoken = "x"\n[database]\nurl = "{tmp_path / "hearth.db"}"\n', encoding="utf-8")
    return config


def test_login_failure_from_discord_py_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def refuse(self: discord.http.HTTPClient, token: str) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", refuse)
    assert main(["run", "--config", str(_config(tmp_path))]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: Discord refused the token (DISCORD_TOKEN / [discord] token)")
    assert err.count("\n") == 1


def test_no_dns_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def no_dns(self: discord.http.HTTPClient, token: str) -> None:
        key = aiohttp.client_reqrep.ConnectionKey("discord.com", 443, True, True, None, None, None)
        raise aiohttp.ClientConnectorDNSError(key, OSError(None, "Domain name not found"))

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", no_dns)
    assert main(["run", "--config", str(_config(tmp_path))]) == 4
    err = capsys.readouterr().err
    assert err == "error: cannot reach Discord (host name not found): check the network connection and DNS, then start again\n"


def test_unreachable_postgres_hides_the_password(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql+asyncpg://hearth:s3cret-pw@127.0.0.1:{_free_port()}/hearth"
    code = main(["analyze", str(ONE_EXPORT), "--report", str(tmp_path / "r.json"), "--db", url, "--no-progress"])
    err = capsys.readouterr().err
    assert code == 4, err
    assert "s3cret-pw" not in err and "Traceback" not in err
    assert err.startswith("error: cannot reach the database at postgresql+asyncpg://hearth:***@127.0.0.1:")
    assert "(connection refused)" in err
    assert not (tmp_path / "r.json").exists()


def test_unreachable_database_from_the_environment_stops_run_with_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "x")
    monkeypatch.setenv("HEARTH_DATABASE_URL", f"postgresql://hearth:pw-123@127.0.0.1:{_free_port()}/hearth")
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 4
    err = capsys.readouterr().err
    assert "cannot reach the database at postgresql://hearth:***@127.0.0.1" in err and "pw-123" not in err


def test_a_database_file_that_cannot_be_made_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "missing-folder" / "hearth.db"
    code = main(["analyze", str(ONE_EXPORT), "--report", str(tmp_path / "r.json"), "--db", str(db), "--no-progress"])
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: cannot open the database file {db}: its folder must exist and be writable\n"
    )


def test_an_unknown_kind_of_database_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analyze", str(ONE_EXPORT), "--report", str(tmp_path / "r.json"), "--db", "oracle://u:pw@h/x"])
    err = capsys.readouterr().err
    assert code == 2 and "this kind of database is not supported" in err and "pw" not in err.split("supported")[0]


def test_reasons_and_urls_in_words() -> None:
    assert network_reason(ConnectionRefusedError(111, "Connect call failed")) == "connection refused"
    assert network_reason(socket.gaierror(-2, "Name or service not known")) == "host name not found"
    assert network_reason(TimeoutError()) == "timed out"
    assert shown_url("postgresql+asyncpg://u:secret@db:5432/x") == "postgresql+asyncpg://u:***@db:5432/x"
    assert shown_url("sqlite+aiosqlite:////srv/hearth.db") == "/srv/hearth.db"
    assert database_failure("sqlite+aiosqlite:///x.db", ValueError("a bug")) is None  # keeps its traceback


def test_help_lists_every_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "exit status:" in out
    for code, meaning in EXIT_STATUSES:
        assert f"  {code:<4} {meaning}" in out
    assert [code for code, _ in EXIT_STATUSES] == [0, 1, 2, 3, 4, 130]


def test_interrupted_is_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from bot.cli import analyze

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(analyze, "analyze", interrupted)
    assert main(["analyze", str(ONE_EXPORT), "--report", str(tmp_path / "r.json")]) == 130
    assert capsys.readouterr().err.startswith("interrupted;")


def test_verbose_before_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sample"
    assert main(["-v", "generate", "--out", str(out), "--weeks", "1", "--members", "12", "--messages", "120"]) == 0
    assert "community.json" in capsys.readouterr().out
    assert (out / "community.json").is_file()


COMMANDS = {
    "analyze": [str(ONE_EXPORT), "--report", "r.json"],
    "run": [],
    "demo": [],
    "digest": [str(ONE_EXPORT), "--out", "o"],
    "generate": ["--out", "o"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_verbose_parses_before_and_after_every_command(command: str) -> None:
    from bot.__main__ import build_parser

    rest = COMMANDS[command]
    for argv in (["-v", command, *rest], [command, *rest, "-v"], [command, "--verbose", *rest]):
        assert build_parser().parse_args(argv).verbose is True, argv
    assert build_parser().parse_args([command, *rest]).verbose is False


def test_verbose_after_the_command_turns_on_debug_logging(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    root = logging.getLogger()
    before = root.level
    try:
        root.setLevel(logging.WARNING)
        argv = ["analyze", str(ONE_EXPORT), "--report", str(tmp_path / "r.json"), "--db", ":memory:", "-v"]
        assert main(argv) == 0
        assert root.level == logging.DEBUG
        assert main(argv[:-1]) == 0
        assert root.level == logging.WARNING
    finally:
        root.setLevel(before)
    capsys.readouterr()


def test_verbose_after_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sample"
    assert main(["generate", "--out", str(out), "--weeks", "1", "--members", "12", "--messages", "120", "-v"]) == 0
    assert (out / "community.json").is_file()
    capsys.readouterr()
