# Image of the QA app: `qa serve` by default; the same image runs `qa worker`.
#
#   docker build -t municipal-qa .
#   docker run -p 8000:8000 -v qadata:/data municipal-qa
#
# Two stages: the first installs the project into a virtualenv, the second copies only that
# virtualenv onto a clean slim image, so build leftovers and pip caches never ship.

FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# Dependencies first, from pyproject.toml alone: this layer is rebuilt only when they change,
# not on every edit of the source.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# Then the project itself (.dockerignore keeps .venv, var, .git, caches out of the context).
COPY . .
RUN pip install --no-deps . \
    && qa i18n compile \
    && python -m compileall -q /opt/venv


FROM python:3.11-slim

# The image runs behind HTTPS in production: cookies are Secure. For plain HTTP (a local try-out),
# run it with QA_SECURE_COOKIES=0, as docker-compose.yml does by default.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    QA_DATA_DIR=/data \
    QA_SECURE_COOKIES=1

# WeasyPrint (the PDF reports) needs Pango and HarfBuzz, and fonts to draw the text with; the
# slim image has none of them.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user owns the data folder; a named volume mounted at /data starts with
# this ownership, so the SQLite file, recordings, reports and secret key can be written.
RUN groupadd --system --gid 10001 qa \
    && useradd --system --uid 10001 --gid qa --home-dir /home/qa --create-home --shell /usr/sbin/nologin qa \
    && mkdir /data \
    && chown qa:qa /data

COPY --from=build /opt/venv /opt/venv

USER qa
WORKDIR /home/qa

EXPOSE 8000

# No curl in slim images: python's urllib fails (non-zero exit) on refusal or a non-2xx answer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

# `qa serve` applies pending migrations before it starts listening.
CMD ["qa", "serve", "--host", "0.0.0.0", "--port", "8000"]
