# source-posthog: `docker run IMAGE spec|check|discover|read ...` (Airbyte protocol on stdout).
# Plain python slim base rather than airbyte/python-connector-base, so the image builds from the
# checkout with nothing but PyPI; scripts/container-build.sh shows the podman recipe used in tests.
FROM python:3.11-slim

# io.airbyte.version = source_posthog.__version__ = metadata.yaml dockerImageTag (unit_tests/test_version.py).
LABEL io.airbyte.name="airbyte/source-posthog" \
      io.airbyte.version="2.1.0" \
      org.opencontainers.image.title="source-posthog" \
      org.opencontainers.image.licenses="MIT"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    AIRBYTE_ENTRYPOINT="source-posthog"

WORKDIR /airbyte/integration_code

# Only what the wheel needs, so edits to tests or docs do not invalidate the install layer.
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY source_posthog ./source_posthog

# Installed as root into the system site-packages, run as an unprivileged user (uid 1000 as in
# Airbyte's own base image, so mounted /config and /data volumes behave the same).
RUN pip install --no-cache-dir . \
    && useradd --uid 1000 --user-group --no-create-home --home-dir /airbyte airbyte \
    && rm -rf /airbyte/integration_code/build

# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 1000:1000

ENTRYPOINT ["source-posthog"]
