#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need (Chromium and
# chromedriver, the PostgreSQL 15 server binaries, a Python virtualenv with the external
# validators), then runs every test of the workspace against SQLite and PostgreSQL.
#
# Environment:
#   AIMS_REQUIRE_POSTGRES=1  fail instead of skipping when PostgreSQL cannot be started
#   AIMS_REQUIRE_BROWSER=1   fail instead of skipping when Chromium cannot be started
#   AIMS_VENV                where the Python virtualenv lives (default ~/.cache/aims-venv)
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

venv="${AIMS_VENV:-$HOME/.cache/aims-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-test.txt

# Throwaway PostgreSQL clusters start several times faster from memory than from disk.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi

echo "== external validation of the OpenAPI document"
openapi="$(mktemp -d)/openapi.json"
cargo run --quiet -p aims -- export openapi --output "$openapi"
"$venv/bin/openapi-spec-validator" "$openapi"

echo "== property-based API testing (schemathesis)"
scripts/fuzz-api.sh "${CARGO_TARGET_DIR:-target}/debug/aims" "$venv/bin/schemathesis" 25 | tail -n 25

echo "== metric exactness (Fairlearn, scikit-learn, SciPy), Parquet files (pyarrow), OSCAL (trestle)"
AIMS_BIN="${CARGO_TARGET_DIR:-target}/debug/aims" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/python

echo "== tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
