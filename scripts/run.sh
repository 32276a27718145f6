#!/usr/bin/env bash
# Set up everything and run Opsdeck (release build).
#
#   scripts/run.sh [extra args for `opsdeck serve`]
#
# Installs what is missing (Debian packages, Rust tools, npm packages), makes
# sure PostgreSQL and Redis answer (starting private ones under .data/ when
# the URLs point at this machine and nothing answers there), builds with
# cargo-leptos and replaces this shell with the server.
# Honours DATABASE_URL, REDIS_URL, OPSDECK_ADDR, CARGO_TARGET_DIR.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
opsdeck_env
ensure_all

cd "$REPO_ROOT"
echo "==> cargo leptos build --release"
cargo leptos build --release

OPSDECK_BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/opsdeck"
[[ -x $OPSDECK_BIN ]] || { echo "==> ERROR: $OPSDECK_BIN not found after the build" >&2; exit 1; }

export LEPTOS_ENV=PROD
export OPSDECK_SITE_ROOT
# For leptos_config::get_configuration(None), in case the server uses it.
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$OPSDECK_SITE_ROOT}"
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-$OPSDECK_ADDR}"

# ---------------------------------------------------------------------------
# >>> create_first_admin: TO BE FILLED IN by the server side. <<<
# Runs after the build and before the server starts; must be idempotent
# (do nothing when an admin already exists), e.g. run migrations with
# "$OPSDECK_BIN" migrate and then create the first admin account with
# "$OPSDECK_BIN" user ..., printing its credentials once.
# ---------------------------------------------------------------------------
create_first_admin() {
	: # no-op for now
}
create_first_admin

echo "==> starting Opsdeck on http://${OPSDECK_ADDR} (site root $OPSDECK_SITE_ROOT)"
exec "$OPSDECK_BIN" serve "$@"
