#!/usr/bin/env bash
# Set up everything and run Opsdeck (release build).
#
#   scripts/run.sh [extra args for `opsdeck serve`]
#
# Installs what is missing (Debian packages, Rust tools, npm packages), makes
# sure PostgreSQL and Redis answer (starting private ones under .data/ when
# the URLs point at this machine and nothing answers there), builds with
# cargo-leptos and runs the server, with generated demo traffic beside it
# (`opsdeck demo`; OPSDECK_DEMO=0 turns it off).
# Honours DATABASE_URL, REDIS_URL, OPSDECK_ADDR, CARGO_TARGET_DIR.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
opsdeck_env
ensure_all

cd "$REPO_ROOT"
# The release site goes to OPSDECK_SITE_ROOT (target/site), apart from the
# debug builds' target/site-debug; --precompress writes a .br and a .gz
# beside every static file, which the server sends as browsers ask.
echo "==> cargo leptos build --release --precompress (site: $OPSDECK_SITE_ROOT)"
LEPTOS_SITE_ROOT="$OPSDECK_SITE_ROOT" cargo leptos build --release --precompress
regzip_site "$OPSDECK_SITE_ROOT"

OPSDECK_BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/opsdeck"
[[ -x $OPSDECK_BIN ]] || { echo "==> ERROR: $OPSDECK_BIN not found after the build" >&2; exit 1; }

export LEPTOS_ENV=PROD
export OPSDECK_SITE_ROOT
# For leptos_config::get_configuration(None), in case the server uses it.
export LEPTOS_SITE_ROOT="$OPSDECK_SITE_ROOT"
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

# Host metrics out of the box: the local node exporter (started by
# ensure_all) scraped as service "host", and the default host rules (disk
# and memory over 90 %) imported once, disabled until an admin enables them.
add_host_target() {
	local address=${OPSDECK_NODE_EXPORTER:-127.0.0.1:9100} added
	curl -fsS -m 2 "http://$address/metrics" >/dev/null 2>&1 || return 0
	added=$("$OPSDECK_BIN" scrape-target add --service host --url "http://$address/metrics" --if-absent) || return 0
	if [[ $added == created* ]]; then
		"$OPSDECK_BIN" alert-rules import --file "$REPO_ROOT/scripts/host-rules.yaml" --apply >/dev/null ||
			echo "==> WARNING: could not import scripts/host-rules.yaml" >&2
	fi
}
add_host_target

# Demo traffic and log lines (services demo-…) through the real ingest and
# log APIs, with its own key (scopes ingest and logs) kept in
# .data/demo-ingest-logs-key.txt. OPSDECK_DEMO=0 skips it.
demo_key() {
	local file="$REPO_ROOT/.data/demo-ingest-logs-key.txt" key=""
	[[ -s $file ]] && key=$(<"$file")
	if [[ ! $key =~ ^odk_[A-Za-z0-9_]+$ ]]; then
		mkdir -p "$REPO_ROOT/.data"
		key=$("$OPSDECK_BIN" api-key create --name "demo traffic (opsdeck demo)" --scope ingest --scope logs) || return 1
		[[ $key =~ ^odk_[A-Za-z0-9_]+$ ]] || return 1
		(umask 077 && printf '%s\n' "$key" >"$file")
	fi
	printf '%s\n' "$key"
}

echo "==> starting Opsdeck on http://${OPSDECK_ADDR} (site root $OPSDECK_SITE_ROOT)"
if [[ ${OPSDECK_DEMO:-1} == 0 ]]; then
	exec "$OPSDECK_BIN" serve "$@"
fi

"$OPSDECK_BIN" serve "$@" &
server_pid=$!
demo_pid=
# shellcheck disable=SC2317 # called by the traps
stop() {
	kill -TERM "$server_pid" 2>/dev/null || true
}
# shellcheck disable=SC2317 # called by the traps
cleanup() {
	if [[ -n $demo_pid ]]; then
		kill -TERM "$demo_pid" 2>/dev/null || true
	fi
}
trap stop INT TERM
trap cleanup EXIT

for _ in $(seq 1 60); do
	curl -fsS "http://${OPSDECK_ADDR}/health" >/dev/null 2>&1 && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.5
done
if kill -0 "$server_pid" 2>/dev/null; then
	echo "==> starting generated demo traffic (services demo-checkout, demo-catalog, demo-search, demo-payments; OPSDECK_DEMO=0 turns it off)"
	if key=$(demo_key); then
		OPSDECK_DEMO_KEY="$key" "$OPSDECK_BIN" demo --url "http://${OPSDECK_ADDR}" &
		demo_pid=$!
	else
		echo "==> WARNING: could not create the demo's API key; no demo traffic" >&2
	fi
fi

# `wait` returns early when a trapped signal arrives; keep waiting for the server to finish stopping.
status=0
while kill -0 "$server_pid" 2>/dev/null; do
	wait "$server_pid" && status=0 || status=$?
done
exit "$status"
