"""The audit trail refuses TRUNCATE too (PostgreSQL): row triggers do not see a TRUNCATE, so
0001's guard let it empty the table. SQLite has no TRUNCATE (its DELETE is refused by 0001).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08 10:00:00.000000
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse()"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
