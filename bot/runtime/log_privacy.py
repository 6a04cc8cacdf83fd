"""Keep message bodies out of the logs, whatever the log level.

At DEBUG, discord.py logs every gateway payload (message text included) and the data of every
HTTP request and response, and aiosqlite logs every statement with its parameters (question
snippets). Hearth stores no message bodies, so its logs must not either: these records are
dropped, and a gateway event is still logged, reduced to its opcode and event name.
"""

from __future__ import annotations

import logging

_GATEWAY_EVENT = "For Shard ID %s: WebSocket Event: %s"
# loggers whose DEBUG records carry payloads or statement parameters
_PAYLOAD_LOGGERS = ("discord.gateway", "discord.http", "discord.webhook.async_", "aiosqlite")


class PayloadRedactor(logging.Filter):
    """Drops DEBUG records that carry payloads; a gateway event keeps only its op and name."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            return True
        if record.msg == _GATEWAY_EVENT and isinstance(record.args, tuple) and len(record.args) == 2:
            shard, payload = record.args
            if isinstance(payload, dict):
                record.msg = "For Shard ID %s: WebSocket Event: op %s %s (payload not logged)"
                record.args = (shard, payload.get("op"), payload.get("t") or "")
                return True
        return False


def keep_bodies_out_of_logs() -> None:
    """Install the redactor on the payload loggers (idempotent)."""
    for name in _PAYLOAD_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, PayloadRedactor) for f in logger.filters):
            logger.addFilter(PayloadRedactor())


__all__ = ["PayloadRedactor", "keep_bodies_out_of_logs"]
