#!/usr/bin/env bash
# The test suite and the benchmarks need Redis on loopback, and PostgreSQL: the machine's on
# 127.0.0.1:5432 when it answers (started here when installed but stopped), else the embedded server
# that scripts/embedded_pg.py starts for the duration. Say exactly what is missing.
set -u
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ "$(id -u)" = 0 ] && [ -d /etc/postgresql ]; then
    echo "services: starting PostgreSQL"; pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null \
    || echo "services: no PostgreSQL answers on 127.0.0.1:5432; the tests use the embedded one (var/postgres)"
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null; then
    echo "services: starting Redis"; redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    sleep 1
  fi
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "services: Redis does not answer on 127.0.0.1:6379" >&2; exit 1; }
fi
echo "services: Redis answers"
