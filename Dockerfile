# Partnerbot: slim image, non-root, no token inside, database on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PARTNERBOT_DB=/data/partnerbot.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install --no-compile . \
    && useradd --system --uid 10001 --home-dir /data partnerbot \
    && mkdir -p /data && chown partnerbot /data

USER partnerbot
VOLUME ["/data"]
# Only used in webhook mode (PARTNERBOT_WEBHOOK_URL), behind your HTTPS proxy.
EXPOSE 8443
# Fails when the bot has not written its heartbeat (it does so only while polling works).
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 \
    CMD ["partnerbot", "health"]
# TELEGRAM_BOT_TOKEN must be given at run time (docker run -e / --env-file), never built in.
CMD ["partnerbot", "run"]
