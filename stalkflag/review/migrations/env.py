"""Alembic environment: the connection comes from :func:`stalkflag.review.migrate`."""

from alembic import context

from stalkflag.review._db import Base

connection = context.config.attributes.get("connection")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
