# One image for the four services; docker-compose.yml picks the service with its command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 BIND_HOST=0.0.0.0
WORKDIR /app

COPY requirements/ requirements/
RUN pip install -r requirements/ingestion.txt -r requirements/validation.txt \
      -r requirements/processing.txt -r requirements/query.txt -c requirements/constraints.txt

COPY pyproject.toml ./
COPY contracts/ contracts/
COPY eventkit/ eventkit/
COPY ingestion_svc/ ingestion_svc/
COPY validation_svc/ validation_svc/
COPY processing_svc/ processing_svc/
COPY query_svc/ query_svc/
# Default rules and expected-fields files; mount others and point the *_FILE variables at them.
COPY infra/validation/ infra/validation/
COPY infra/processing/ infra/processing/
COPY infra/payload-indexes.json infra/payload-indexes.json
# uid 10001: infra/docker/secrets-init.sh gives each service's secrets and the API key file to this user.
# docker-compose.yml runs every container read-only, with no capabilities and a tmpfs /tmp.
RUN pip install --no-deps . && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin app
USER app

# Overridden per service in docker-compose.yml.
CMD ["python", "-m", "ingestion_svc", "serve"]
