"""PostgreSQL adapters shared by the services that own a PostgreSQL store."""
