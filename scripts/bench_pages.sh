#!/usr/bin/env bash
# Server cost per page: starts the release build on its own port and
# database, fills it with a few seconds of demo traffic, signs in as each
# role and runs wrk against every page of the navigation that role may
# open, at 100 connections; prints req/s, p50 and p99 per page beside the
# anonymous /login baseline of the same run, then the Performance report's
# server function at ~1,000 req/s offered (wrk paced per connection).
#
#   scripts/bench_pages.sh
#
# Build first (once), as scripts/run.sh does: LEPTOS_SITE_ROOT=target/site
# cargo leptos build --release --precompress, then regzip_site target/site.
# Installs wrk from Debian when missing.
# Environment: BENCH_DURATION (seconds per page, 5), BENCH_CONNECTIONS (100),
# BENCH_PORT (3190), BENCH_DEMO_SECS (20), BENCH_ROLES ("admin operator support manager viewer"),
# BENCH_ACCEPT_ENCODING ("gzip, deflate, br", what browsers send; "" for none),
# OPSDECK_BIN (the release binary), OPSDECK_SITE_ROOT (its site).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
opsdeck_env
cd "$REPO_ROOT"

duration=${BENCH_DURATION:-5}
connections=${BENCH_CONNECTIONS:-100}
port=${BENCH_PORT:-3190}
roles=${BENCH_ROLES:-admin operator support manager viewer}
encoding=${BENCH_ACCEPT_ENCODING-gzip, deflate, br}
bin=${OPSDECK_BIN:-${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/opsdeck}
base="http://127.0.0.1:${port}"
db=opsdeck_bench_pages
prefix="bench-pages:$$:"
password="bench password for every role"
# Every page of the navigation (app/src/area.rs), then the Performance page
# over one hour and one day of one service.
pages=(/ /performance /health-checks /datastores /alerts /logs /errors /backups /deployments /audit /settings /users)
extra=("/performance?service=demo-checkout&range=1h" "/performance?service=demo-checkout&range=24h")

[[ -x $bin ]] || {
	echo "==> ERROR: $bin not found; build it: LEPTOS_SITE_ROOT=target/site cargo leptos build --release --precompress" >&2
	exit 1
}
if ! command -v wrk >/dev/null; then
	echo "==> apt-get install wrk"
	_opsdeck_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
fi
ensure_postgres
ensure_redis

admin_url=$(_opsdeck_server_url postgres)
db_url=$(_opsdeck_server_url "$db")
psql "$admin_url" -Xq -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null

export DATABASE_URL=$db_url OPSDECK_ADDR="127.0.0.1:${port}" OPSDECK_REDIS_PREFIX=$prefix
export OPSDECK_SITE_ROOT LEPTOS_ENV=PROD OPSDECK_LOG=${BENCH_LOG:-warn}
# 100 connections of one signed-in user: keep the per-IP and per-user caps out of the way.
export OPSDECK_SIGN_IN_MAX_FAILURES_PER_IP=1000 OPSDECK_LIVE_STREAMS_PER_USER=1000

server_pid="" demo_pid=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[[ -n $demo_pid ]] && kill "$demo_pid" 2>/dev/null || true
	[[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	psql "$admin_url" -Xq -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	_opsdeck_parse_url "$REDIS_URL" 6379
	redis-cli -h "$_url_host" -p "$_url_port" --scan --pattern "${prefix}*" |
		xargs -r redis-cli -h "$_url_host" -p "$_url_port" del >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "==> $bin serve on $base (site $OPSDECK_SITE_ROOT, database $db)"
"$bin" serve &
server_pid=$!
for _ in $(seq 1 120); do
	curl -fsS "$base/health" >/dev/null 2>&1 && break
	sleep 0.5
done
curl -fsS "$base/health" >/dev/null

demo_secs=${BENCH_DEMO_SECS:-20}
echo "==> users (one per role) and ${demo_secs} s of demo traffic"
for role in $roles; do
	printf '%s' "$password" | "$bin" user create --email "bench-${role}@bench.local" --role "$role" --name "Bench $role" >/dev/null
done
key=$("$bin" api-key create --name "bench demo traffic" --scope ingest --scope logs)
OPSDECK_DEMO_KEY=$key "$bin" demo --url "$base" >/dev/null 2>&1 &
demo_pid=$!
sleep "$demo_secs"
kill "$demo_pid" 2>/dev/null || true
wait "$demo_pid" 2>/dev/null || true
demo_pid=""

sign_in() {
	local jar
	jar=$(mktemp)
	curl -fsS -c "$jar" -H 'Accept: application/json' --data-urlencode "email=bench-$1@bench.local" \
		--data-urlencode "password=$password" "$base/api/auth/sign-in" >/dev/null
	awk '$6 == "opsdeck_session" { print $7 }' "$jar"
	rm -f "$jar"
}

# wrk's report as "req/s p50 p99 non2xx" (milliseconds).
measure() {
	local url=$1 cookie=$2 out
	local -a args=(-t2 "-c${connections}" "-d${duration}s" --latency)
	[[ -n $cookie ]] && args+=(-H "Cookie: opsdeck_session=$cookie")
	[[ -n $encoding ]] && args+=(-H "Accept-Encoding: $encoding")
	out=$(wrk "${args[@]}" "$url")
	awk '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		/Requests\/sec:/ { rps = $2 }
		/^ +50%/ { p50 = ms($2) }
		/^ +99%/ { p99 = ms($2) }
		/Non-2xx or 3xx responses:/ { bad = $5 }
		END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }
	' <<<"$out"
}

row() { printf '%-10s %-46s %9s %9s %9s %8s\n' "$@"; }

echo "==> wrk -t2 -c${connections} -d${duration}s, Accept-Encoding: '${encoding}', load $(cut -d' ' -f1-3 /proc/loadavg)"
row role page "req/s" "p50 ms" "p99 ms" "non-2xx"
read -r rps p50 p99 bad < <(measure "$base/login" "")
login_rps=$rps
row anonymous /login "$rps" "$p50" "$p99" "$bad"
overview_rps=""
for role in $roles; do
	cookie=$(sign_in "$role")
	[[ -n $cookie ]] || { echo "==> ERROR: could not sign in as $role" >&2; exit 1; }
	list=("${pages[@]}")
	[[ $role == viewer ]] && list+=("${extra[@]}")
	for page in "${list[@]}"; do
		status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: opsdeck_session=$cookie" "$base$page")
		[[ $status == 200 ]] || continue
		read -r rps p50 p99 bad < <(measure "$base$page" "$cookie")
		row "$role" "$page" "$rps" "$p50" "$p99" "$bad"
		[[ $page == / && $role == viewer ]] && overview_rps=$rps
	done
done
read -r rps p50 p99 bad < <(measure "$base/login" "")
row anonymous "/login (again, at the end)" "$rps" "$p50" "$p99" "$bad"
if [[ -n $overview_rps && $login_rps -gt 0 ]]; then
	echo "==> Overview (viewer) / anonymous /login: $(awk -v a="$overview_rps" -v b="$login_rps" 'BEGIN { printf "%.2f", a / b }')"
fi

# The Performance report's server function, offered ~1,000 req/s: 50
# connections, each waiting 50 ms before its next request (wrk is
# closed-loop; while answers take far less than 50 ms this is the offered rate).
cookie=$(sign_in viewer)
lua=$(mktemp --suffix=.lua)
cat >"$lua" <<'LUA'
wrk.method = "POST"
wrk.body = "query%5Bservice%5D=demo-checkout&query%5Brange%5D=1h"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
function delay() return 50 end
LUA
out=$(wrk -t2 -c50 "-d$((duration * 2))s" --latency -s "$lua" -H "Cookie: opsdeck_session=$cookie" \
	${encoding:+-H "Accept-Encoding: $encoding"} "$base/api/metrics/performance")
rm -f "$lua"
echo "==> POST /api/metrics/performance (1 h of demo-checkout), ~1,000 req/s offered"
grep -E "Requests/sec|^ +(50|90|99)%|Non-2xx" <<<"$out" | sed 's/^/    /'

# Lighthouse on the same server (BENCH_LIGHTHOUSE=0 skips it).
if [[ ${BENCH_LIGHTHOUSE:-1} != 0 ]]; then
	"$REPO_ROOT/scripts/lighthouse.sh" "$base" bench-viewer@bench.local "$password" demo-checkout
fi
