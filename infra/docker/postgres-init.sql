-- Per-service roles and databases for the throwaway test containers (tests/stack.py, TEST_STACK=containers):
-- test-only passwords. docker-compose.yml uses postgres-init.sh (passwords from .env, never the role name);
-- `make up` does the same natively (infra/postgres.sh). Each service owns its database alone.
CREATE ROLE ingestion LOGIN PASSWORD 'ingestion';
CREATE DATABASE ingestion OWNER ingestion;
REVOKE ALL ON DATABASE ingestion FROM PUBLIC;
CREATE ROLE processing LOGIN PASSWORD 'processing';
CREATE DATABASE processing OWNER processing;
REVOKE ALL ON DATABASE processing FROM PUBLIC;
