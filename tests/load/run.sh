#!/usr/bin/env bash
# Issue 7's load test: 50 learners (locust, tests/load/locustfile.py) against gunicorn and a
# throwaway PostgreSQL on loopback, with production settings; then everything is stopped.
# Usage: tests/load/run.sh [users] [duration]        (defaults: 50 learners, 2m)
#   WORKERS=5 (gunicorn workers), GUNICORN_ARGS="--worker-class gthread --threads 4" (more)
# Writes tmp/load/<UTC time>/ : locust's CSV stats (stats_stats.csv, ...), its HTML report,
# the gunicorn and PostgreSQL logs.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-50}
DURATION=${2:-2m}
WORKERS=${WORKERS:-5}
ROOT=$PWD
OUT="$ROOT/tmp/load/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PGBIN=$(find_bin)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "PostgreSQL server not found: installing Debian's postgresql package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(find_bin)
fi
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

DIR=$(mktemp -d /tmp/iamlab-load.XXXXXX)
PGPORT=$(free_port)
PORT=$(free_port)
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"
GUNICORN_PID=""
stop() {
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID"
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
  cp "$DIR/server.log" "$OUT/postgresql.log" 2>/dev/null || true
  rm -rf "$DIR"
}
trap stop EXIT

# A real server's durability settings (fsync on), unlike the test suite's throwaway one.
as_pg "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-h 127.0.0.1 -p $PGPORT -k $DIR -c max_connections=100" start >/dev/null
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres iamlab

export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/iamlab"
export DJANGO_SETTINGS_MODULE=tests.load.settings_http
export DJANGO_SECRET_KEY="load-test-only-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')"
export DJANGO_DEBUG=0
export DJANGO_SECURE_SSL_REDIRECT=0
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
unset PYTHONDONTWRITEBYTECODE  # as on a server: compiled modules are kept

.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py lessons load >/dev/null
.venv/bin/python manage.py collectstatic --noinput --verbosity 0

echo "gunicorn: $WORKERS workers on 127.0.0.1:$PORT; PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT" >&2
.venv/bin/gunicorn iamlab.wsgi -c python:iamlab.gunicorn_conf --workers "$WORKERS" --bind "127.0.0.1:$PORT" \
  --access-logfile "$OUT/gunicorn-access.log" --error-logfile "$OUT/gunicorn.log" \
  --access-logformat '%(t)s "%(r)s" %(s)s %(M)s' \
  --max-requests 2000 --max-requests-jitter 200 ${GUNICORN_ARGS:-} &
GUNICORN_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >&2; echo >&2

echo "before: load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" > "$OUT/machine.txt"
set +e  # locust exits 1 when a request failed: still report, then exit with its status
LOAD_OUT="$OUT" LOAD_USERS="$USERS" .venv/bin/locust -f tests/load/locustfile.py --headless \
  --host "http://127.0.0.1:$PORT" --users "$USERS" --spawn-rate 10 --run-time "$DURATION" \
  --csv "$OUT/stats" --html "$OUT/report.html" --only-summary --exit-code-on-error 1 \
  2>&1 | tee "$OUT/locust.log"
status=${PIPESTATUS[0]}
set -e
# CPU seconds the app used (master and workers), and how busy the machine was meanwhile.
{
  echo "after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
  printf "gunicorn CPU seconds (master and workers, user+system): "
  for pid in "$GUNICORN_PID" $(pgrep -P "$GUNICORN_PID"); do
    awk '{print $14 + $15}' "/proc/$pid/stat"
  done | awk -v hz="$(getconf CLK_TCK)" '{s += $1} END {printf "%.1f\n", s / hz}'
} >> "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2
# Server-side times per page: the whole run, and the steady state after everyone has started.
.venv/bin/python tests/load/access_stats.py "$OUT/gunicorn-access.log" | tee "$OUT/server-times.txt"
.venv/bin/python tests/load/access_stats.py "$OUT/gunicorn-access.log" --skip 30 \
  | tee "$OUT/server-times-steady.txt"
echo "results in $OUT" >&2
exit "$status"
