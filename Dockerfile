# One image for the API and the worker; docker-compose.yml picks the command.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY roundhouse ./roundhouse
RUN pip install '.[monitoring]'
RUN useradd --create-home roundhouse && mkdir -p /data && chown roundhouse /data
USER roundhouse
ENV ROUNDHOUSE_DATA_DIR=/data
EXPOSE 8000
CMD ["gunicorn", "-k", "gevent", "-w", "1", "--worker-connections", "4000", "-b", "0.0.0.0:8000", "roundhouse.api.wsgi:app"]
