# migportal: one image for web (gunicorn + whitenoise), worker and beat. Configuration only from the environment.
FROM python:3.12-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
WORKDIR /src
COPY . .
# The project's dependencies go into the venv; the code itself runs from /app.
RUN pip install --upgrade pip && pip install . && pip uninstall --yes migportal

FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app PATH="/opt/venv/bin:$PATH" \
    MIGPORTAL_VAR_DIR=/app/var MIGPORTAL_PRODUCTION=true LOG_FORMAT=json
RUN groupadd --system migportal && useradd --system --gid migportal --home-dir /app --shell /usr/sbin/nologin migportal
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src /app
# Static files are collected into the image and served by whitenoise (compressed, hashed names).
# The throwaway key only lets the settings load during the build; it is never used at run time.
RUN SECRET_KEY=build-only-collectstatic-key DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput --verbosity 0 \
    && rm -f /tmp/build.sqlite3 && mkdir -p /app/var && chown -R migportal:migportal /app/var
USER migportal
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-m", "ops.probe", "/readyz"]
CMD ["gunicorn", "migportal.wsgi:application", "--config", "python:migportal.gunicorn_conf"]
