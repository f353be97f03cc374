# integrome server image: REST API, CDS Hooks and web UI (`integrome serve`).
# Build: docker build -t integrome .   Run with PostgreSQL: docker compose up (compose.yaml).
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
# WeasyPrint (PDF reports) needs Pango and HarfBuzz; tabix/bcftools are not needed by the server.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
RUN useradd --system --create-home --home-dir /home/integrome integrome \
 && mkdir /data && chown integrome /data
USER integrome
ENV INTEGROME_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=4).status != 200)"
CMD ["integrome", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
