#!/usr/bin/env bash
# The test suite and the benchmarks need PostgreSQL and Redis on loopback. Start them when they are installed
# but stopped; otherwise say exactly what is missing.
set -u
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "services: starting PostgreSQL"; pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "services: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null; then
    echo "services: starting Redis"; redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    sleep 1
  fi
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "services: Redis does not answer on 127.0.0.1:6379" >&2; exit 1; }
fi
# With a database URL as $1: create that database when it does not exist yet (the benchmarks use
# it directly; the test suite makes its own test_ database).
if [ -n "${1:-}" ]; then
  db="${1##*/}"; db="${db%%\?*}"
  if ! psql "$1" -qAtc 'select 1' >/dev/null 2>&1; then
    echo "services: creating database $db"
    psql "${1%/*}/postgres" -qc "CREATE DATABASE \"$db\"" || exit 1
  fi
fi
echo "services: PostgreSQL and Redis answer"
