"""Every model change comes with a migration: the migrated schema equals the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from studyhall.models import metadata


def test_migrations_match_the_models(app):
    with app.extensions["studyhall.engine"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
