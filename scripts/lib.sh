# shellcheck shell=bash
# Opsdeck setup helpers. Source this file, then call the functions:
#
#   source scripts/lib.sh
#   opsdeck_env
#   ensure_all            # or any single ensure_* function
#
# Every ensure_* function is idempotent: it prints nothing when there is
# nothing to do, and one "==> ..." line per thing it does. All functions work
# under `set -euo pipefail`. Nothing here downloads anything except through
# apt (Debian), cargo (crates.io) and npm (npm registry).

# Directory holding this file and the repository root (its parent).
_OPSDECK_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

OPSDECK_CARGO_LEPTOS_VERSION="0.3.10"

_opsdeck_say() { printf '==> %s\n' "$*"; }
_opsdeck_warn() { printf '==> WARNING: %s\n' "$*" >&2; }
_opsdeck_die() {
	printf '==> ERROR: %s\n' "$*" >&2
	return 1
}

# Prepend a directory to PATH unless it is already there.
_opsdeck_path_prepend() {
	case ":${PATH}:" in
	*":$1:"*) ;;
	*) export PATH="$1:${PATH}" ;;
	esac
}

# Split a URL (scheme://[user[:password]@]host[:port][/path][?query]) into the
# globals _url_scheme _url_user _url_password _url_host _url_hostfmt _url_port
# _url_path _url_query. $2 is the default port. _url_host has IPv6 brackets
# removed; _url_hostfmt keeps them (for building URLs again).
_opsdeck_parse_url() {
	local url=$1 default_port=$2 rest userinfo hostport after
	_url_scheme=postgres _url_user="" _url_password="" _url_host="" _url_hostfmt=""
	_url_port="" _url_path="" _url_query=""
	rest=$url
	if [[ $rest == *://* ]]; then
		_url_scheme=${rest%%://*}
		rest=${rest#*://}
	fi
	if [[ $rest == *\?* ]]; then
		_url_query="?${rest#*\?}"
		rest=${rest%%\?*}
	fi
	if [[ $rest == *@* ]]; then
		userinfo=${rest%@*}
		rest=${rest##*@}
		_url_user=${userinfo%%:*}
		[[ $userinfo == *:* ]] && _url_password=${userinfo#*:}
	fi
	if [[ $rest == */* ]]; then
		_url_path=${rest#*/}
		rest=${rest%%/*}
	fi
	hostport=$rest
	if [[ $hostport == \[* ]]; then
		_url_host=${hostport#\[}
		_url_host=${_url_host%%\]*}
		after=${hostport#*\]}
		_url_port=${after#:}
		_url_hostfmt="[${_url_host}]"
	else
		_url_host=${hostport%%:*}
		[[ $hostport == *:* ]] && _url_port=${hostport##*:}
		_url_hostfmt=$_url_host
	fi
	if [[ -z $_url_host ]]; then
		_url_host=127.0.0.1
		_url_hostfmt=127.0.0.1
	fi
	[[ -n $_url_port ]] || _url_port=$default_port
}

# True when $1 names this machine (we only ever start private services there).
_opsdeck_is_local_host() {
	case "$1" in
	localhost | 127.* | ::1 | 0.0.0.0) return 0 ;;
	*) return 1 ;;
	esac
}

# Run a command as root: directly when we are root, else through sudo.
_opsdeck_as_root() {
	if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		_opsdeck_die "need root (or sudo) to run: $*"
	fi
}

# ---------------------------------------------------------------------------
# opsdeck_env: export the defaults every other function relies on.
# ---------------------------------------------------------------------------
# key_from_file VAR FILE: unless VAR is set, export it from FILE, which is
# created first (32 random bytes as hex, readable by its owner only).
key_from_file() {
	local var=$1 file=$2
	[[ -n ${!var:-} ]] && return 0
	if [[ ! -s $file ]]; then
		mkdir -p "$(dirname "$file")"
		(umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$file")
	fi
	export "$var=$(<"$file")"
}

opsdeck_env() {
	export REPO_ROOT="${REPO_ROOT:-$(cd "${_OPSDECK_LIB_DIR}/.." && pwd)}"
	export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/opsdeck}"
	export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
	export OPSDECK_ADDR="${OPSDECK_ADDR:-127.0.0.1:3000}"
	export OPSDECK_SITE_ROOT="${OPSDECK_SITE_ROOT:-${REPO_ROOT}/target/site}"
	# CARGO_TARGET_DIR stays unset unless the caller set it; make a relative
	# one absolute so it means the same thing after a `cd`.
	if [[ -n ${CARGO_TARGET_DIR:-} ]]; then
		[[ $CARGO_TARGET_DIR == /* ]] || CARGO_TARGET_DIR="${PWD}/${CARGO_TARGET_DIR}"
		export CARGO_TARGET_DIR
	fi
	# The audit log's HMAC key and the key the secrets stored in Postgres
	# (connection URLs, channel secrets) are encrypted with live outside the
	# database: in the environment, or (for this checkout) in .data/, each
	# created once.
	key_from_file OPSDECK_AUDIT_KEY "$REPO_ROOT/.data/audit.key"
	key_from_file OPSDECK_SECRETS_KEY "$REPO_ROOT/.data/secrets.key"
	# Debian's Chromium, for Playwright (never `playwright install`).
	export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
	if [[ -d ${CARGO_HOME:-$HOME/.cargo}/bin ]]; then
		_opsdeck_path_prepend "${CARGO_HOME:-$HOME/.cargo}/bin"
	fi
}

_opsdeck_require_env() {
	[[ -n ${REPO_ROOT:-} ]] || opsdeck_env
}

# ---------------------------------------------------------------------------
# ensure_apt_packages
# ---------------------------------------------------------------------------
_opsdeck_dpkg_installed() {
	local status
	status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[[ $status == "install ok installed" ]]
}

# Locate a PostgreSQL server binary: PATH first, then the newest
# /usr/lib/postgresql/<version>/bin.
_opsdeck_pg_bin() {
	local name=$1 found
	if found=$(command -v "$name" 2>/dev/null); then
		printf '%s\n' "$found"
		return 0
	fi
	local -a candidates=()
	for found in /usr/lib/postgresql/*/bin/"$name"; do
		if [[ -x $found ]]; then candidates+=("$found"); fi
	done
	((${#candidates[@]} > 0)) || return 1
	printf '%s\n' "${candidates[@]}" | sort -V | tail -n 1
}

ensure_apt_packages() {
	local -a missing=()
	# PostgreSQL server binaries (initdb, pg_ctl) plus its client tools.
	if ! { _opsdeck_pg_bin initdb >/dev/null && command -v psql >/dev/null &&
		command -v pg_isready >/dev/null; } && ! _opsdeck_dpkg_installed postgresql; then
		missing+=(postgresql)
	fi
	# pg_dump and pg_restore for backups: Debian's client of the same major
	# version as its `postgresql` server package.
	if ! { _opsdeck_pg_bin pg_dump >/dev/null && _opsdeck_pg_bin pg_restore >/dev/null; } &&
		! _opsdeck_dpkg_installed postgresql-client; then
		missing+=(postgresql-client)
	fi
	if ! { command -v redis-server >/dev/null && command -v redis-cli >/dev/null; } &&
		! _opsdeck_dpkg_installed redis-server; then
		missing+=(redis-server)
	fi
	if [[ ! -x /usr/bin/chromium ]] && ! _opsdeck_dpkg_installed chromium; then
		missing+=(chromium)
	fi
	# Host metrics: Opsdeck scrapes the local node exporter by default.
	if ! command -v prometheus-node-exporter >/dev/null && ! _opsdeck_dpkg_installed prometheus-node-exporter; then
		missing+=(prometheus-node-exporter)
	fi
	local pkg
	for pkg in build-essential pkg-config libssl-dev; do
		_opsdeck_dpkg_installed "$pkg" || missing+=("$pkg")
	done
	for pkg in curl jq python3; do
		command -v "$pkg" >/dev/null || _opsdeck_dpkg_installed "$pkg" || missing+=("$pkg")
	done
	((${#missing[@]} == 0)) && return 0

	command -v apt-get >/dev/null || _opsdeck_die "missing packages (${missing[*]}) and no apt-get" || return 1
	_opsdeck_say "installing Debian packages: ${missing[*]}"
	local -a install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q
		--no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}")
	if ! _opsdeck_as_root "${install[@]}"; then
		_opsdeck_say "apt-get install failed; running apt-get update and retrying"
		_opsdeck_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=600 || return
		_opsdeck_as_root "${install[@]}" || return
	fi
}

# ---------------------------------------------------------------------------
# ensure_rust_tools
# ---------------------------------------------------------------------------

# If a `cargo install ... <crate>` is already running (e.g. started by hand
# in the background), wait for it instead of starting a second build.
_opsdeck_wait_for_cargo_install() {
	local crate=$1 said=""
	command -v pgrep >/dev/null || return 0
	while pgrep -f "^[^ ]*cargo install .*${crate}( |\$)" >/dev/null 2>&1; do
		if [[ -z $said ]]; then
			_opsdeck_say "waiting for a running 'cargo install ${crate}' to finish"
			said=1
		fi
		sleep 5
	done
}

# The wasm-bindgen version in $REPO_ROOT/Cargo.lock (the highest, if several).
_opsdeck_lock_wasm_bindgen_version() {
	awk '
		/^\[\[package\]\]/ { name = "" }
		/^name = /         { name = $3 }
		/^version = / && name == "\"wasm-bindgen\"" { gsub(/"/, "", $3); print $3 }
	' "$REPO_ROOT/Cargo.lock" | sort -V | tail -n 1
}

_opsdeck_ensure_wasm_target() {
	local targets
	if ! command -v rustup >/dev/null; then
		_opsdeck_warn "rustup not found; assuming the wasm32-unknown-unknown target is installed"
		return 0
	fi
	targets=$(rustup target list --installed) || return
	if ! grep -qx wasm32-unknown-unknown <<<"$targets"; then
		_opsdeck_say "rustup target add wasm32-unknown-unknown"
		rustup target add wasm32-unknown-unknown || return
	fi
}

# cargo-leptos, exactly $OPSDECK_CARGO_LEPTOS_VERSION (0.3.11 needs a newer rustc).
_opsdeck_ensure_cargo_leptos() {
	local want=$OPSDECK_CARGO_LEPTOS_VERSION ver re
	re="(^|[^0-9.])${want//./\\.}([^0-9.]|$)"
	ver=$(cargo leptos --version 2>/dev/null || true)
	[[ $ver =~ $re ]] && return 0
	_opsdeck_wait_for_cargo_install cargo-leptos
	ver=$(cargo leptos --version 2>/dev/null || true)
	[[ $ver =~ $re ]] && return 0
	_opsdeck_say "cargo install --locked cargo-leptos --version ${want} (takes ~15 min)"
	cargo install --locked cargo-leptos --version "$want" || return
}

# wasm-bindgen-cli, exactly the wasm-bindgen version in Cargo.lock.
_opsdeck_ensure_wasm_bindgen() {
	if [[ ! -f $REPO_ROOT/Cargo.lock ]]; then
		if [[ ! -f $REPO_ROOT/Cargo.toml ]]; then
			_opsdeck_warn "no Cargo.toml in $REPO_ROOT yet; skipping wasm-bindgen-cli"
			return 0
		fi
		_opsdeck_say "cargo generate-lockfile"
		(cd "$REPO_ROOT" && cargo generate-lockfile) || return
	fi
	local want have
	want=$(_opsdeck_lock_wasm_bindgen_version) || return
	if [[ -z $want ]]; then
		_opsdeck_warn "Cargo.lock has no wasm-bindgen package; skipping wasm-bindgen-cli"
		return 0
	fi
	have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
	[[ $have == "$want" ]] && return 0
	_opsdeck_wait_for_cargo_install wasm-bindgen-cli
	have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
	[[ $have == "$want" ]] && return 0
	# No --locked: its lock file pins a crate version crates.io does not serve.
	_opsdeck_say "cargo install wasm-bindgen-cli --version ${want} (have: ${have:-none})"
	cargo install --force wasm-bindgen-cli --version "$want" || return
}

_opsdeck_ensure_nextest() {
	cargo nextest --version >/dev/null 2>&1 && return 0
	_opsdeck_wait_for_cargo_install cargo-nextest
	cargo nextest --version >/dev/null 2>&1 && return 0
	_opsdeck_say "cargo install --locked cargo-nextest"
	cargo install --locked cargo-nextest || return
}

ensure_rust_tools() {
	_opsdeck_require_env
	command -v cargo >/dev/null || _opsdeck_die "cargo not found (install Rust with rustup first)" || return 1
	_opsdeck_ensure_wasm_target || return
	_opsdeck_ensure_cargo_leptos || return
	_opsdeck_ensure_wasm_bindgen || return
	_opsdeck_ensure_nextest || return
}

# ---------------------------------------------------------------------------
# ensure_npm_packages: Playwright, wasm-opt (npm binaryen), ECharts.
# ---------------------------------------------------------------------------
ensure_npm_packages() {
	_opsdeck_require_env
	local dir=$REPO_ROOT/end2end
	if [[ ! -f $dir/package.json ]]; then
		_opsdeck_warn "no $dir/package.json; skipping npm packages"
		return 0
	fi
	command -v npm >/dev/null || _opsdeck_die "npm not found (Node 20 + npm required)" || return 1

	if [[ ! -f $dir/package-lock.json ]]; then
		_opsdeck_say "npm install in end2end (no package-lock.json)"
		(cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error) || return
	elif [[ ! -d $dir/node_modules || ! -f $dir/node_modules/.package-lock.json ||
		$dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
		_opsdeck_say "npm ci in end2end"
		(cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) || return
	fi

	# wasm-opt (binaryen >= 123; Debian's 108 breaks hydration) and playwright.
	_opsdeck_path_prepend "$dir/node_modules/.bin"

	# ECharts for the charts, served from the site root: a bundle of only the
	# chart types and components Opsdeck draws (end2end/echarts/), ~150 KB
	# brotli instead of the full library's 1 MB.
	ensure_echarts || return
}

# ensure_echarts: (re)builds public/echarts.min.js with esbuild unless it is
# the bundle of the current sources and npm packages (a stamp in
# node_modules records the inputs' and the output's checksums).
ensure_echarts() {
	_opsdeck_require_env
	local dir=$REPO_ROOT/end2end dst=$REPO_ROOT/public/echarts.min.js
	local stamp=$REPO_ROOT/end2end/node_modules/.opsdeck-echarts.sha256 want
	if [[ ! -d $dir/node_modules/echarts || ! -x $dir/node_modules/.bin/esbuild ]]; then
		_opsdeck_die "echarts or esbuild missing in end2end/node_modules (run ensure_npm_packages)"
		return 1
	fi
	_echarts_inputs() {
		(cd "$dir" && cat echarts/opsdeck.mjs echarts/build.mjs package-lock.json | sha256sum | cut -d' ' -f1)
		if [[ -f $dst ]]; then sha256sum <"$dst" | cut -d' ' -f1; fi
	}
	want=$(_echarts_inputs) || return
	if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then return 0; fi
	_opsdeck_say "bundling ECharts (only the charts Opsdeck uses) into public/echarts.min.js"
	mkdir -p "$REPO_ROOT/public" || return
	(cd "$dir" && node echarts/build.mjs "$dst") || return
	_echarts_inputs >"$stamp"
}

# regzip_site DIR: rewrite every .gz cargo-leptos's --precompress left beside
# a file with `gzip -9` (its own gzip encoder makes files ~15-20 % larger:
# 2.42 MB against 2.04 MB for the release wasm).
regzip_site() {
	local file
	while IFS= read -r -d '' file; do
		gzip -9 -n -c "${file%.gz}" >"$file.tmp" && mv "$file.tmp" "$file" || return
	done < <(find "$1" -type f -name '*.gz' -print0)
}

# ---------------------------------------------------------------------------
# ensure_postgres: the server in DATABASE_URL if it answers, else a private
# cluster under $REPO_ROOT/.data/pg; then the database itself.
# ---------------------------------------------------------------------------

# Run a PostgreSQL server command as the postgres user when we are root
# (initdb and postgres refuse to run as root), from a neutral directory.
_opsdeck_as_pg() {
	if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

_opsdeck_pg_isready() {
	local isready
	isready=$(_opsdeck_pg_bin pg_isready) || return 1
	"$isready" -q -h "$1" -p "$2" -t 3 >/dev/null 2>&1
}

# The private cluster's data directory: $OPSDECK_PG_DATA, else
# $REPO_ROOT/.data/pg. When we are root and the postgres user cannot reach
# that (e.g. a clone under /root), fall back to /var/tmp/opsdeck-<hash>/pg.
_opsdeck_pg_datadir() {
	local datadir=${OPSDECK_PG_DATA:-$REPO_ROOT/.data/pg} parent
	parent=$(dirname "$datadir")
	mkdir -p "$parent" || return
	if [[ ${EUID:-$(id -u)} -eq 0 && -z ${OPSDECK_PG_DATA:-} ]] &&
		! runuser -u postgres -- test -x "$parent" 2>/dev/null; then
		parent=/var/tmp/opsdeck-$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1)
		mkdir -p "$parent" && chmod 755 "$parent" || return
		datadir=$parent/pg
		[[ -e $datadir ]] || printf '==> user postgres cannot reach %s; using %s\n' "$REPO_ROOT/.data" "$datadir" >&2
	fi
	printf '%s\n' "$datadir"
}

_opsdeck_start_private_pg() {
	local host=$1 port=$2 user=$3
	local datadir logfile initdb pg_ctl bindir sockdir
	local is_root=""
	[[ ${EUID:-$(id -u)} -eq 0 ]] && is_root=1

	initdb=$(_opsdeck_pg_bin initdb) || _opsdeck_die "initdb not found (apt-get install postgresql)" || return 1
	# Use pg_ctl from the same installation as initdb.
	bindir=$(dirname "$(readlink -f "$initdb")")
	if [[ -x $bindir/pg_ctl ]]; then pg_ctl=$bindir/pg_ctl; else pg_ctl=$(_opsdeck_pg_bin pg_ctl) || return 1; fi

	if [[ -n $is_root ]]; then
		id postgres >/dev/null 2>&1 || _opsdeck_die "user 'postgres' does not exist (apt-get install postgresql)" || return 1
	fi
	datadir=$(_opsdeck_pg_datadir) || return
	logfile="${datadir}.log"

	if [[ ! -f $datadir/PG_VERSION ]]; then
		if [[ -d $datadir ]] && [[ -n $(ls -A "$datadir") ]]; then
			_opsdeck_die "$datadir exists but is not a PostgreSQL data directory"
			return 1
		fi
		_opsdeck_say "initdb private PostgreSQL cluster in $datadir"
		mkdir -p "$datadir" && chmod 700 "$datadir" || return
		if [[ -n $is_root ]]; then chown postgres:postgres "$datadir" || return; fi
		_opsdeck_as_pg "$initdb" -D "$datadir" -U "${user:-postgres}" --auth=trust \
			--encoding=UTF8 --no-locale >"${datadir}.initdb.log" 2>&1 || {
			cat "${datadir}.initdb.log" >&2
			return 1
		}
		printf "\n# Opsdeck: per-start settings (host, port, socket) live here.\ninclude_if_exists = 'opsdeck.conf'\n" \
			>>"$datadir/postgresql.conf" || return
	fi

	# A cluster left running on another address/port: stop it first.
	if _opsdeck_as_pg "$pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
		_opsdeck_say "restarting private PostgreSQL in $datadir on ${host}:${port}"
		_opsdeck_as_pg "$pg_ctl" -D "$datadir" -m fast -w stop >/dev/null || return
	fi

	# The Unix socket goes into the data dir unless that path is too long.
	sockdir=$datadir
	if ((${#sockdir} + ${#port} + 10 > 100)); then sockdir=/tmp; fi
	local listen=$host
	[[ $listen == 0.0.0.0 ]] && listen='*'
	printf "listen_addresses = '%s'\nport = %s\nunix_socket_directories = '%s'\n" \
		"$listen" "$port" "$sockdir" >"$datadir/opsdeck.conf" || return
	touch "$logfile" || return
	if [[ -n $is_root ]]; then
		chown postgres:postgres "$datadir/opsdeck.conf" "$logfile" || return
	fi

	_opsdeck_say "starting private PostgreSQL on ${host}:${port} (data $datadir, log $logfile)"
	if ! _opsdeck_as_pg "$pg_ctl" -D "$datadir" -l "$logfile" -w -t 60 start >/dev/null; then
		tail -n 20 "$logfile" >&2 || true
		_opsdeck_die "could not start PostgreSQL (see $logfile)"
		return 1
	fi
}

# _opsdeck_server_url DB: DATABASE_URL's server with database DB instead.
_opsdeck_server_url() {
	_opsdeck_parse_url "$DATABASE_URL" 5432
	local url="${_url_scheme}://"
	[[ -n $_url_user ]] && url+="${_url_user}${_url_password:+:${_url_password}}@"
	printf '%s' "${url}${_url_hostfmt}:${_url_port}/$1${_url_query}"
}

ensure_postgres() {
	_opsdeck_require_env
	local admin_url
	admin_url=$(_opsdeck_server_url postgres)
	_opsdeck_parse_url "$DATABASE_URL" 5432
	local host=$_url_host port=$_url_port user=$_url_user db=${_url_path%%/*}

	if ! _opsdeck_pg_isready "$host" "$port"; then
		_opsdeck_is_local_host "$host" ||
			_opsdeck_die "PostgreSQL at ${host}:${port} (DATABASE_URL) does not answer" || return 1
		_opsdeck_start_private_pg "$host" "$port" "$user" || return 1
	fi

	[[ -z $db || $db == postgres ]] && return 0
	local exists
	exists=$(psql "$admin_url" -XtAq -v ON_ERROR_STOP=1 -v "db=$db" \
		<<<"select 1 from pg_database where datname = :'db'") ||
		_opsdeck_die "cannot query PostgreSQL at ${host}:${port}" || return 1
	if [[ $exists != 1 ]]; then
		_opsdeck_say "creating database $db"
		psql "$admin_url" -Xq -v ON_ERROR_STOP=1 -v "db=$db" <<<'CREATE DATABASE :"db"' >/dev/null || return
	fi
}

# ---------------------------------------------------------------------------
# reset_test_databases: drop the per-test databases earlier runs left behind
# and give the browser tests a fresh, empty database; exports its URL as
# OPSDECK_E2E_DATABASE_URL.
# ---------------------------------------------------------------------------
reset_test_databases() {
	_opsdeck_require_env
	local admin_url stale
	admin_url=$(_opsdeck_server_url postgres)
	stale=$(psql "$admin_url" -XtAq -v ON_ERROR_STOP=1 \
		<<<"select datname from pg_database where datname like 'opsdeck\\_test\\_%' or datname = 'opsdeck_e2e'") || return
	local db
	for db in $stale; do
		psql "$admin_url" -Xq -v ON_ERROR_STOP=1 -v "db=$db" <<<'DROP DATABASE IF EXISTS :"db" WITH (FORCE)' >/dev/null || return
	done
	psql "$admin_url" -Xq -v ON_ERROR_STOP=1 <<<'CREATE DATABASE opsdeck_e2e' >/dev/null || return
	export OPSDECK_E2E_DATABASE_URL
	OPSDECK_E2E_DATABASE_URL=$(_opsdeck_server_url opsdeck_e2e)
}

# ---------------------------------------------------------------------------
# ensure_redis: the server in REDIS_URL if it answers, else a private one
# under $REPO_ROOT/.data/redis.
# ---------------------------------------------------------------------------
_opsdeck_redis_ping() {
	local reply
	if [[ -n ${3:-} ]]; then
		reply=$(REDISCLI_AUTH="$3" redis-cli -h "$1" -p "$2" ping 2>/dev/null) || return 1
	else
		reply=$(redis-cli -h "$1" -p "$2" ping 2>/dev/null) || return 1
	fi
	[[ $reply == PONG ]]
}

ensure_redis() {
	_opsdeck_require_env
	_opsdeck_parse_url "$REDIS_URL" 6379
	local host=$_url_host port=$_url_port password=$_url_password
	[[ $host == localhost ]] && host=127.0.0.1
	command -v redis-cli >/dev/null || _opsdeck_die "redis-cli not found (apt-get install redis-server)" || return 1

	_opsdeck_redis_ping "$host" "$port" "$password" && return 0

	_opsdeck_is_local_host "$host" ||
		_opsdeck_die "Redis at ${host}:${port} (REDIS_URL) does not answer" || return 1
	command -v redis-server >/dev/null || _opsdeck_die "redis-server not found (apt-get install redis-server)" || return 1

	local data=$REPO_ROOT/.data
	mkdir -p "$data/redis" || return
	_opsdeck_say "starting private Redis on ${host}:${port} (dir $data/redis, log $data/redis.log)"
	local -a args=(--daemonize yes --bind "$host" --port "$port" --dir "$data/redis"
		--save "" --appendonly no --logfile "$data/redis.log" --pidfile "$data/redis-${port}.pid")
	[[ -n $password ]] && args+=(--requirepass "$password")
	redis-server "${args[@]}" </dev/null || return

	local i
	for ((i = 0; i < 100; i++)); do
		_opsdeck_redis_ping "$host" "$port" "$password" && return 0
		sleep 0.1
	done
	tail -n 20 "$data/redis.log" >&2 || true
	_opsdeck_die "Redis did not answer on ${host}:${port} within 10 s (see $data/redis.log)"
}

# ---------------------------------------------------------------------------
# opsdeck_stop_private_services: stop the private PostgreSQL / Redis started
# above (never touches the system services).
# ---------------------------------------------------------------------------
opsdeck_stop_private_services() {
	_opsdeck_require_env
	local datadir pg_ctl bindir initdb
	datadir=$(_opsdeck_pg_datadir) || return
	if [[ -f $datadir/postmaster.pid ]] && initdb=$(_opsdeck_pg_bin initdb); then
		bindir=$(dirname "$(readlink -f "$initdb")")
		pg_ctl=$bindir/pg_ctl
		_opsdeck_say "stopping private PostgreSQL ($datadir)"
		_opsdeck_as_pg "$pg_ctl" -D "$datadir" -m fast -w stop >/dev/null || true
	fi
	local pidfile pid
	for pidfile in "$REPO_ROOT"/.data/redis-*.pid; do
		[[ -f $pidfile ]] || continue
		pid=$(<"$pidfile")
		if [[ -n $pid ]] && [[ $(ps -o comm= -p "$pid" 2>/dev/null) == redis-server ]]; then
			_opsdeck_say "stopping private Redis (pid $pid)"
			kill "$pid" || true
			for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		fi
		rm -f "$pidfile"
	done
}

# ---------------------------------------------------------------------------
ensure_all() {
	_opsdeck_require_env
	ensure_apt_packages || return
	ensure_rust_tools || return
	ensure_npm_packages || return
	ensure_postgres || return
	ensure_redis || return
	ensure_node_exporter || return
}

# ---------------------------------------------------------------------------
# ensure_node_exporter: Debian's prometheus-node-exporter answering on
# OPSDECK_NODE_EXPORTER (127.0.0.1:9100), started here (logging to
# .data/node-exporter.log) when nothing answers there: a container has no
# init system to start the packaged service. Missing binary: a warning only.
# ---------------------------------------------------------------------------
ensure_node_exporter() {
	local address=${OPSDECK_NODE_EXPORTER:-127.0.0.1:9100} bin
	curl -fsS -m 2 "http://$address/metrics" >/dev/null 2>&1 && return 0
	bin=$(command -v prometheus-node-exporter || true)
	if [[ -z $bin ]]; then
		_opsdeck_warn "prometheus-node-exporter is not installed: no host metrics"
		return 0
	fi
	mkdir -p "$REPO_ROOT/.data"
	_opsdeck_say "starting prometheus-node-exporter on $address"
	nohup "$bin" --web.listen-address="$address" >"$REPO_ROOT/.data/node-exporter.log" 2>&1 &
	local _
	for _ in $(seq 1 40); do
		curl -fsS -m 1 "http://$address/metrics" >/dev/null 2>&1 && return 0
		sleep 0.25
	done
	_opsdeck_warn "prometheus-node-exporter did not answer on $address (see .data/node-exporter.log)"
}
