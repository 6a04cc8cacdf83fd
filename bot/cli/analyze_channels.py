"""`analyze --help-channel`: the channels of an export set named on the command line, as ids.

A help channel is named as the export header names it (`help` or `#help`, any case) or by its
id; an id may also be the parent of exported threads whose channel was not exported itself.
The ids go to the engine as `GuildRules.help_channel_ids`, the rule the live bot applies to
the help channels moderators set with `/hearth setup`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from bot.cli.common import CliError
from bot.sources.exports import ExportReader, printable


def help_channel_ids(readers: Sequence[ExportReader], names: Sequence[str]) -> frozenset[int]:
    """The ids of the channels `names` name; CliError listing the export's channels otherwise."""
    by_name: dict[str, set[int]] = {}
    known_ids: set[int] = set()
    for reader in readers:
        header = reader.header
        by_name.setdefault(header.channel_name.casefold(), set()).add(header.channel_id)
        known_ids.add(header.channel_id)
        if header.parent_channel_id is not None:
            known_ids.add(header.parent_channel_id)
    found: set[int] = set()
    unknown: list[str] = []
    for raw in names:
        name = raw.strip().removeprefix("#").strip()
        if name.isdigit() and int(name) in known_ids:
            found.add(int(name))
        elif name.casefold() in by_name:
            found.update(by_name[name.casefold()])
        else:
            unknown.append(raw)
    if unknown:
        listed = ", ".join(sorted({f"#{printable(r.header.channel_name)} ({r.header.channel_id})" for r in readers}))
        missing = ", ".join(repr(printable(n)) for n in unknown)
        raise CliError(
            f"--help-channel {missing}: no such channel in these exports; their channels are: {listed}"
        )
    return frozenset(found)


def keyed(source_key: str, help_ids: frozenset[int]) -> str:
    """The resume key of a run: the same exports read with other help channels are another run."""
    if not help_ids:
        return source_key
    digest = hashlib.sha256(",".join(str(i) for i in sorted(help_ids)).encode()).hexdigest()[:16]
    return f"{source_key}:help:{digest}"
