#!/usr/bin/env bash
# Set up everything and run every test: Rust tests (nextest), a cargo-leptos
# debug build, then the Playwright end-to-end tests in Debian's Chromium.
# Exits non-zero when any phase fails; prints the time of each phase.
# Honours DATABASE_URL, REDIS_URL, OPSDECK_ADDR, CARGO_TARGET_DIR.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

_t0=$SECONDS
declare -a _summary=()
_failed=0
_running="" _running_since=0

_fmt() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# phase NAME CMD...: run CMD, record its time and result; never exits.
phase() {
	local name=$1 start=$SECONDS rc=0
	shift
	echo "==> [$name] $*"
	"$@" || rc=$?
	local took=$((SECONDS - start))
	if ((rc == 0)); then
		_summary+=("$(printf '%-10s ok      %s' "$name" "$(_fmt "$took")")")
	else
		_summary+=("$(printf '%-10s FAILED  %s (exit %d)' "$name" "$(_fmt "$took")" "$rc")")
		_failed=1
	fi
	echo "==> [$name] $( ((rc == 0)) && echo ok || echo "FAILED (exit $rc)") in $(_fmt "$took")"
	return "$rc"
}

# shellcheck disable=SC2317  # called from the EXIT trap
summary() {
	echo
	echo "==> summary"
	if [[ -n $_running ]]; then
		_summary+=("$(printf '%-10s FAILED  %s' "$_running" "$(_fmt $((SECONDS - _running_since)))")")
	fi
	local line
	for line in "${_summary[@]}"; do echo "    $line"; done
	echo "    total      $(_fmt $((SECONDS - _t0)))"
}
trap summary EXIT

opsdeck_env
# DATABASE_URL / REDIS_URL (exported by opsdeck_env) are what the tests use.
# Setup runs outside `phase` so that errexit stays in force inside ensure_all
# (bash ignores `set -e` in functions called from `||`/`if`); a failure ends
# the script here and the EXIT trap reports it.
_running=setup _running_since=$SECONDS
echo "==> [setup] ensure_all"
ensure_all
_summary+=("$(printf '%-10s ok      %s' setup "$(_fmt $((SECONDS - _running_since)))")")
echo "==> [setup] ok in $(_fmt $((SECONDS - _running_since)))"
_running=""
cd "$REPO_ROOT"

reset_test_databases

phase format cargo fmt --all -- --check || true
# No import circle between files, no source file over 400 lines, no server
# function body over 15 lines or without its `acting(` check (issue 15).
phase structure bash -c 'python3 scripts/import_cycles.py && python3 scripts/long_files.py && python3 scripts/server_fn_bodies.py' || true
phase rust cargo nextest run -p app -p server --no-fail-fast || true

# The debug site has its own root (target/site-debug), so this build never
# replaces the files a release server (scripts/run.sh: target/site) sends.
export OPSDECK_E2E_SITE_ROOT="$REPO_ROOT/target/site-debug"
if phase build env LEPTOS_SITE_ROOT="$OPSDECK_E2E_SITE_ROOT" cargo leptos build; then
	export OPSDECK_BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug/opsdeck"
	phase end2end bash -c 'cd end2end && npx --no playwright test' || true
else
	_summary+=("end2end    skipped (build failed)")
fi

exit "$_failed"
