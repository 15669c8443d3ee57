# OpenCall: a plain mirror of `make run` for production (PostgreSQL, several workers).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OPENCALL_ENVIRONMENT=production \
    OPENCALL_UPLOAD_DIR=/data/uploads
# Two malloc arenas per worker: with glibc's default (8 per core) the workers' memory grew 18%
# in make soak's ten minutes; with two, 7% (README, Benchmarks).
ENV MALLOC_ARENA_MAX=2

RUN useradd --create-home --uid 10001 opencall && mkdir -p /data/uploads && chown -R opencall /data
WORKDIR /srv/opencall

COPY pyproject.toml README.md ./
COPY app ./app
COPY migrations ./migrations
COPY frontend ./frontend
RUN pip install --no-cache-dir -e .

USER opencall
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

# Migrate, then serve. Set OPENCALL_DATABASE_URL, OPENCALL_SECRET_KEY and OPENCALL_BASE_URL.
CMD ["sh", "-c", "opencall migrate && exec opencall serve --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-2} --forwarded-allow-ips '*'"]
