"""Failures `python -m bot` explains in one plain line, and the exit status of each.

Every expected failure is a `CliError` carrying its exit status; `bot/__main__.py` prints it
as `error: ...` with no traceback. The statuses are listed in `python -m bot --help`:

    0    done
    1    an unexpected error (a bug: the traceback is printed)
    2    bad input or configuration (a file, an argument, a config key, a database URL)
    3    Discord refused the bot's token
    4    Discord or the database cannot be reached (network, DNS, connection refused)
    130  interrupted (Ctrl-C); what was committed is kept
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import aiohttp
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2
EXIT_LOGIN_REFUSED = 3
EXIT_UNREACHABLE = 4
EXIT_INTERRUPTED = 130

EXIT_STATUSES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "done"),
    (EXIT_UNEXPECTED, "unexpected error (a bug; the traceback is printed)"),
    (EXIT_BAD_INPUT, "bad input or configuration (file, argument, config key, database URL)"),
    (EXIT_LOGIN_REFUSED, "Discord refused the bot's token"),
    (EXIT_UNREACHABLE, "Discord or the database cannot be reached (network, DNS, refused)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C); what was committed is kept"),
)


def exit_statuses_text() -> str:
    """The exit statuses as `--help` shows them (an argparse epilog)."""
    lines = ["exit status:"]
    lines += [f"  {code:<4} {meaning}" for code, meaning in EXIT_STATUSES]
    return "\n".join(lines)


class CliError(Exception):
    """An error worded for the person at the terminal (no traceback); `exit_code` is the status."""

    exit_code: ClassVar[int] = EXIT_BAD_INPUT


class LoginRefused(CliError):
    """Discord answered, and refused the token."""

    exit_code: ClassVar[int] = EXIT_LOGIN_REFUSED


class Unreachable(CliError):
    """Nothing answered: no network, a name that does not resolve, a refused connection."""

    exit_code: ClassVar[int] = EXIT_UNREACHABLE


TOKEN_SOURCE = "DISCORD_TOKEN / [discord] token"


def login_refused() -> LoginRefused:
    return LoginRefused(
        f"Discord refused the token ({TOKEN_SOURCE}): check it in the Developer Portal "
        "(Applications > your bot > Bot > Reset Token) and set it again"
    )


def network_reason(exc: BaseException) -> str:
    """A few words for why a connection failed, from the exception or the one it wraps."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror | aiohttp.ClientConnectorDNSError):
            return "host name not found"
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, TimeoutError):
            return "timed out"
        if isinstance(current, ConnectionResetError):
            return "the connection was reset"
        wrapped = getattr(current, "os_error", None)  # aiohttp's ClientConnectorError
        if isinstance(wrapped, BaseException) and id(wrapped) not in seen:
            current = wrapped
            continue
        current = current.__cause__ or current.__context__
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__


def discord_unreachable(exc: BaseException) -> Unreachable:
    return Unreachable(
        f"cannot reach Discord ({network_reason(exc)}): check the network connection and DNS, then start again"
    )


def shown_url(url: str) -> str:
    """A database URL fit to print: the password replaced by `***`, a SQLite file by its path."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "(an unreadable database URL)"
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def _asyncpg_error(exc: BaseException) -> BaseException | None:
    """The asyncpg server error behind `exc` (raw or wrapped by SQLAlchemy), if any."""
    chain: list[BaseException] = [exc]
    orig = getattr(exc, "orig", None)
    if isinstance(orig, BaseException):
        chain.append(orig)
    for item in list(chain):
        if item.__cause__ is not None:
            chain.append(item.__cause__)
    for item in chain:
        if type(item).__module__.startswith("asyncpg"):
            return item
    return None


def database_failure(url: str, exc: BaseException) -> CliError | None:
    """`exc`, met while opening the database at `url`, as a plain error; None when it is none of
    the known ways a database cannot be opened (then it is a bug and keeps its traceback)."""
    where = shown_url(url)
    if isinstance(exc, OSError):
        return Unreachable(
            f"cannot reach the database at {where} ({network_reason(exc)}): "
            "check that it is running and that the host and port are right"
        )
    if isinstance(exc, ModuleNotFoundError | NoSuchModuleError | ArgumentError):
        return CliError(
            f"database URL {where}: this kind of database is not supported; "
            "expected sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/NAME"
        )
    server = _asyncpg_error(exc)
    if server is not None:
        words = " ".join(str(server).split())[:200]
        return CliError(f"the database at {where} refused the connection: {words}")
    if isinstance(exc, OperationalError) and "unable to open database file" in str(exc):
        return CliError(
            f"cannot open the database file {where}: its folder must exist and be writable"
        )
    return None


@contextmanager
def opening_database(url: str) -> Iterator[None]:
    """Around creating and migrating the engine: the known failures become one plain line."""
    try:
        yield
    except Exception as exc:
        failure = database_failure(url, exc)
        if failure is None:
            raise
        raise failure from exc


__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_LOGIN_REFUSED",
    "EXIT_OK",
    "EXIT_STATUSES",
    "EXIT_UNEXPECTED",
    "EXIT_UNREACHABLE",
    "CliError",
    "LoginRefused",
    "Unreachable",
    "database_failure",
    "discord_unreachable",
    "exit_statuses_text",
    "login_refused",
    "network_reason",
    "opening_database",
    "shown_url",
]
