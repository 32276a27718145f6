#!/usr/bin/env bash
# Lighthouse (npm lighthouse 12.2.3, Debian's /usr/bin/chromium, default
# mobile throttling) on the sign-in page, the Overview and the Performance
# page of a running Opsdeck; prints the performance score, LCP, TBT and the
# bytes over the wire per page and per kind of file.
#
#   scripts/lighthouse.sh BASE_URL EMAIL PASSWORD [SERVICE]
#
# EMAIL/PASSWORD: an account that may see dashboards (signed in once with
# curl; Lighthouse sends its session cookie). scripts/bench_pages.sh runs
# this against its own server at the end of its run.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
opsdeck_env

base=${1:?usage: scripts/lighthouse.sh BASE_URL EMAIL PASSWORD [SERVICE]}
email=${2:?email}
password=${3:?password}
service=${4:-demo-checkout}
version=12.2.3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

jar="$out/jar"
curl -fsS -c "$jar" -H 'Accept: application/json' --data-urlencode "email=$email" \
	--data-urlencode "password=$password" "$base/api/auth/sign-in" >/dev/null
cookie=$(awk '$6 == "opsdeck_session" { print $7 }' "$jar")
[[ -n $cookie ]] || { echo "==> ERROR: could not sign in as $email" >&2; exit 1; }

export CHROME_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
echo "==> lighthouse@${version} (mobile, simulated throttling), $CHROME_PATH"
run() {
	local name=$1 url=$2
	local -a args=(--quiet --only-categories=performance --output=json --output-path="$out/$name.json"
		"--chrome-flags=$flags")
	[[ -n ${3:-} ]] && args+=("--extra-headers={\"Cookie\":\"opsdeck_session=$cookie\"}")
	npm exec --yes --package="lighthouse@${version}" -- lighthouse "$url" "${args[@]}" >/dev/null 2>&1 ||
		{ echo "==> ERROR: lighthouse failed on $url" >&2; return 1; }
}
run login "$base/login"
run overview "$base/" signed-in
run performance "$base/performance?service=${service}&range=1h" signed-in

node - "$out" <<'JS'
const fs = require('fs');
const dir = process.argv[2];
const kb = (bytes) => (bytes / 1000).toFixed(1);
for (const name of ['login', 'overview', 'performance']) {
  const report = JSON.parse(fs.readFileSync(`${dir}/${name}.json`, 'utf8'));
  const a = report.audits;
  const score = Math.round(report.categories.performance.score * 100);
  const lcp = a['largest-contentful-paint'].numericValue;
  const tbt = a['total-blocking-time'].numericValue;
  const fcp = a['first-contentful-paint'].numericValue;
  const total = a['total-byte-weight'].numericValue;
  console.log(`${name.padEnd(12)} ${report.finalDisplayedUrl}`);
  console.log(`  score ${score}  FCP ${(fcp / 1000).toFixed(2)} s  LCP ${(lcp / 1000).toFixed(2)} s  TBT ${Math.round(tbt)} ms  bytes ${kb(total)} KB`);
  for (const item of a['resource-summary'].details.items) {
    if (item.requestCount === 0 || item.resourceType === 'total') continue;
    console.log(`    ${item.resourceType.padEnd(12)} ${String(item.requestCount).padStart(3)} requests ${kb(item.transferSize).padStart(8)} KB`);
  }
  const requests = a['network-requests'].details.items
    .filter((r) => r.transferSize > 0)
    .sort((x, y) => y.transferSize - x.transferSize)
    .slice(0, 6)
    .map((r) => `${new URL(r.url).pathname} ${kb(r.transferSize)} KB`);
  console.log(`    largest: ${requests.join(', ')}`);
}
JS
