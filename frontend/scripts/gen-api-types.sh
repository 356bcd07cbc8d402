#!/usr/bin/env bash
# Generates frontend/src/api/schema.d.ts from the server's OpenAPI schema (/api/schema/).
#   gen-api-types.sh            rewrite the committed file
#   gen-api-types.sh --check    fail when the committed file differs from a fresh one
# spectacular only imports the URLconf: no database connection or migration is needed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="$root/frontend/src/api/schema.d.ts"
python="${PYTHON:-$root/.venv/bin/python}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

PIPEWRIGHT_DEV=1 DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/pw_types}" \
  "$python" "$root/manage.py" spectacular --file "$tmp/schema.yaml" --validate --fail-on-warn
(cd "$root/frontend" && npx --no-install openapi-typescript "$tmp/schema.yaml" --output "$tmp/schema.d.ts" --alphabetize --default-non-nullable false >/dev/null)
{
  echo "// Generated from the server's OpenAPI schema by frontend/scripts/gen-api-types.sh (make api-types)."
  echo "// Do not edit: change the serializers or extend_schema on the server and regenerate."
  cat "$tmp/schema.d.ts"
} >"$tmp/out.d.ts"

if [[ "${1:-}" == "--check" ]]; then
  if ! cmp -s "$tmp/out.d.ts" "$target"; then
    diff -u "$target" "$tmp/out.d.ts" | head -40 >&2 || true
    echo "frontend/src/api/schema.d.ts is stale; run make api-types" >&2
    exit 1
  fi
else
  cp "$tmp/out.d.ts" "$target"
  echo "wrote frontend/src/api/schema.d.ts"
fi
