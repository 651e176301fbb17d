"""The live server's schema migrations (Alembic): each file in ``versions/`` moves the schema one step."""
