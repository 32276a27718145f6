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

# The first admin: created once, with a generated password kept in
# .data/first-admin.txt (readable by this user only) and shown at every start
# until it is deleted. Change the password from the Profile page.
create_first_admin() {
	local file="$REPO_ROOT/.data/first-admin.txt"
	local email="${OPSDECK_FIRST_ADMIN_EMAIL:-admin@opsdeck.local}"
	if [[ ! -s $file ]]; then
		local output
		output=$("$OPSDECK_BIN" user create --email "$email" --role admin --name "Administrator" --skip-if-exists </dev/null)
		echo "$output"
		if [[ $output == *"generated password: "* ]]; then
			mkdir -p "$REPO_ROOT/.data"
			(umask 077 && printf 'email: %s\npassword: %s\n' "$email" "${output##*generated password: }" >"$file")
		fi
	fi
	if [[ -s $file ]]; then
		echo "==> first admin (from $file; change the password after signing in):"
		sed 's/^/      /' "$file"
	fi
}
create_first_admin

echo "==> starting Opsdeck on http://${OPSDECK_ADDR} (site root $OPSDECK_SITE_ROOT)"
exec "$OPSDECK_BIN" serve "$@"
