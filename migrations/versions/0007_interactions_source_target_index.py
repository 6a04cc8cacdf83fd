"""interactions indexed by (guild, source, target, time): who had answered whom by a week's end

Revision ID: 0007
Down revision: '0006'
Create Date: 2026-12-07 17:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the wider index serves every lookup the (guild, source) one did, so it replaces it
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_guild_source")
        batch_op.create_index(
            "ix_interactions_guild_source_target_at",
            ["guild_id", "source_user_id", "target_user_id", "at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_guild_source_target_at")
        batch_op.create_index("ix_interactions_guild_source", ["guild_id", "source_user_id"], unique=False)
