# The trajectory service: `docker build -t trajectory .`, or `docker compose up -d`
# with docker-compose.yml (PostgreSQL, the API and the projector).

# --- build: install the package and its dependencies into a virtualenv -------------
# Both stages use the same base image: the venv's python is a link to this image's
# /usr/local/bin/python3.11, so it works unchanged once copied into the final stage.
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1

RUN python -m venv /opt/venv

# Only what the package is built from: pyproject.toml, the README it names as its
# readme, and the three packages. Tests, benchmarks and local state never enter the
# image (see .dockerignore too), and edits elsewhere do not invalidate this layer.
COPY pyproject.toml README.md /src/
COPY domain /src/domain
COPY application /src/application
COPY interfaces /src/interfaces

# A regular (non-editable) install, so the venv holds everything and /src is not
# needed at run time. Every dependency ships a manylinux wheel (psycopg-binary,
# uvloop, httptools, orjson, cryptography): no compiler, no apt-get.
RUN /opt/venv/bin/pip install --no-cache-dir /src

# --- final: the venv on a clean slim image, run as an unprivileged user -------------
FROM python:3.11-slim

LABEL org.opencontainers.image.title="trajectory" \
      org.opencontainers.image.description="Event-sourced records of trajectories to work in Flemish labour-market programmes"

# No build tools here: only the finished venv is copied from the build stage.
COPY --from=build /opt/venv /opt/venv

# A system user and group with a fixed id (10001, clear of the image's own ids, so
# volume permissions and Kubernetes runAsUser can name it), no login shell and no
# home directory. /app is its working directory: writable scratch only; nothing
# persistent lives there (the events are in PostgreSQL).
RUN groupadd --system --gid 10001 trajectory \
    && useradd --system --uid 10001 --gid trajectory --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin trajectory \
    && install -d -o trajectory -g trajectory -m 0750 /app

# Numeric, so an orchestrator can check it is not root (runAsNonRoot).
USER 10001:10001
WORKDIR /app

# PATH: the venv first, so `trajectory` and `python` are the venv's.
# PYTHONDONTWRITEBYTECODE: pip compiled the bytecode at install; write none at run
# time (the venv is not writable by this user anyway).
# PYTHONUNBUFFERED: log lines reach `docker logs` at once.
# TRAJECTORY_ENV=production: refuse to start without a configured master key
# (no development key is made). HOST 0.0.0.0: reachable from outside the container.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TRAJECTORY_ENV=production \
    TRAJECTORY_HOST=0.0.0.0 \
    TRAJECTORY_PORT=8000

EXPOSE 8000

# `docker stop` sends SIGTERM (the default, written out): uvicorn and `trajectory
# project` both stop gracefully on it. The exec-form CMD below makes `trajectory`
# PID 1 itself, with no shell in between to swallow the signal.
STOPSIGNAL SIGTERM

# GET /health answers 200 when the database answers, 503 when not; urlopen raises on
# a non-2xx answer or no answer, so the exit code is 1 (unhealthy). Exec form, with
# the port read inside Python: no shell needed, and it follows TRAJECTORY_PORT.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('TRAJECTORY_PORT', '8000') + '/health', timeout=4)"]

CMD ["trajectory", "serve"]
