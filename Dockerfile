# syntax=docker/dockerfile:1
# The one Highway Engine image: every service, picked by the command (`python -m services.<name>`), plus `hwe`
# for migrations. How to build and run it: docs/deploy.md, "Building the image".
#
# Both stages use the same slim base, pinned by tag. Pin it by digest as well when you cut a release
# (python:3.11-slim-bookworm@sha256:…): the digest cannot be looked up where this file is written and tested
# (no registry of images is reachable there), so none is written here rather than an unchecked one.

FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /src
# What the wheel is built from, and all that .dockerignore lets into the build context.
COPY pyproject.toml README.md ./
COPY hwe ./hwe
COPY services ./services

# The project's own wheel, then every dependency as a wheel from the index. --only-binary: every dependency has
# manylinux wheels for amd64 and arm64 (psycopg[binary] carries libpq), so no compiler is needed, and a new
# dependency without one fails here instead of quietly needing build-essential.
RUN pip wheel --no-deps --wheel-dir /wheels . \
 && pip wheel --only-binary=:all: --wheel-dir /wheels /wheels/highway_engine-*.whl


FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="highway-engine" \
      org.opencontainers.image.description="Highway Engine: durable workflows on PostgreSQL, every service in one image" \
      org.opencontainers.image.source="https://github.com/highway-engine/highway" \
      org.opencontainers.image.licenses="Apache-2.0"

# tini is PID 1: the kernel drops every signal PID 1 has no handler for (a service still starting would ignore
# SIGTERM), and tini reaps the tool subprocesses that exit orphaned. Without -g: only the service gets the signal
# and decides how to drain; the shell tool's children live in their own sessions and the worker stops them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

# A numeric user with no login shell; its home is the scratch directory, which Kubernetes replaces with an
# emptyDir (the root filesystem is read-only there).
RUN groupadd --system --gid 10001 highway \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/highway --no-create-home \
        --shell /usr/sbin/nologin highway \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/highway

# The wheels are bind-mounted from the builder instead of copied, so they never become a layer of this image.
# pip compiles the bytecode now, because a read-only root filesystem cannot take it at run time.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --disable-pip-version-check --root-user-action=ignore \
        --no-index --find-links /wheels highway-engine

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HWE_STATE_DIR=/var/lib/highway

WORKDIR /var/lib/highway
USER 10001:10001

# No HEALTHCHECK: Kubernetes probes own health (/healthz, /readyz on each service's port).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "-m", "services.api"]
