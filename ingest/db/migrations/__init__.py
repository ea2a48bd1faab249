"""Alembic migrations of the ingest schema (configured in code by ``ingest.db.engine.alembic_config``)."""
