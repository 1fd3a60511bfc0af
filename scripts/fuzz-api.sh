#!/usr/bin/env bash
# Property-based API testing with schemathesis against a real `aims serve --demo`:
# generated requests for every operation in the OpenAPI document must never get a 5xx,
# and every answer must match its documented status, content type and schema.
#
# Usage: scripts/fuzz-api.sh PATH/TO/aims PATH/TO/schemathesis [max examples per operation]
set -euo pipefail
aims="$(realpath "$1")"
st="$2"
examples="${3:-25}"

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
password="fuzzing password $RANDOM$RANDOM"
(cd "$work" && AIMS_ADMIN_PASSWORD="$password" AIMS_LOG=error exec "$aims" serve --demo --listen "127.0.0.1:$port") >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 200); do
  curl -sf "$base/readyz" >/dev/null && break
  sleep 0.05
done

session="$(curl -sf -c "$work/cookies" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$password\"}" "$base/api/v1/session")"
csrf="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])' <<<"$session")"
token="$(curl -sf -b "$work/cookies" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
  -d '{"name":"fuzzing"}' "$base/api/v1/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"

# Phases: explicit examples and random fuzzing. The cookie is fixed (the bearer token wins
# over it) because generated cookie values may hold control characters, which the HTTP
# parser rejects with an empty 400 before aims sees the request; the coverage phase does
# the same with other headers.
# Checks: conformance of every answer; positive-data acceptance is left out because valid-
# looking requests may still break rules a schema cannot state (unknown record ids, taken
# user names, a wrong current password).
(cd "$work" && "$st" run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --header "Cookie: aims_session=unused" \
  --phases examples,fuzzing \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --max-examples "$examples" \
  --seed 42 \
  --no-color)
