-- Per-service roles and databases for the Docker path (docker-compose, testcontainers).
-- `make up` does the same natively (infra/postgres.sh). Each service owns its database alone.
CREATE ROLE ingestion LOGIN PASSWORD 'ingestion';
CREATE DATABASE ingestion OWNER ingestion;
REVOKE ALL ON DATABASE ingestion FROM PUBLIC;
CREATE ROLE processing LOGIN PASSWORD 'processing';
CREATE DATABASE processing OWNER processing;
REVOKE ALL ON DATABASE processing FROM PUBLIC;
