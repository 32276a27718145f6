// What the browser tests and the server they start share: where the binary
// is, the environment it runs with, and the accounts global-setup creates.
const path = require('path');

const repo = path.resolve(__dirname, '..');
// Cargo's target directory (CARGO_TARGET_DIR when set, as cargo itself reads
// it) holds the binary and, beside it, cargo-leptos's hash.txt (the site's
// hashed file names); cargo-leptos writes the debug site to the repository's
// target/site-debug whatever CARGO_TARGET_DIR says (site-root in Cargo.toml;
// a release build for scripts/run.sh goes to target/site instead).
const cargoTarget = process.env.CARGO_TARGET_DIR || path.join(repo, 'target');
const target = path.join(repo, 'target');
const port = process.env.OPSDECK_E2E_PORT || '3100';

exports.baseURL = `http://127.0.0.1:${port}`;
exports.bin = process.env.OPSDECK_BIN || path.join(cargoTarget, 'debug/opsdeck');
exports.serverEnv = {
  ...process.env,
  OPSDECK_ADDR: `127.0.0.1:${port}`,
  // Not OPSDECK_SITE_ROOT: that names the release site scripts/run.sh serves.
  OPSDECK_SITE_ROOT: process.env.OPSDECK_E2E_SITE_ROOT || path.join(target, 'site-debug'),
  DATABASE_URL: process.env.OPSDECK_E2E_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/opsdeck_e2e',
  // Runs sharing one Redis (several work trees) each set their own prefix.
  OPSDECK_REDIS_PREFIX: process.env.OPSDECK_E2E_REDIS_PREFIX || 'e2e:',
  OPSDECK_LOG: 'warn',
  OPSDECK_BACKUP_DIR: path.join(target, 'e2e-backups'),
  // Many tests sign in from one address; keep the per-IP cap out of their way.
  OPSDECK_SIGN_IN_MAX_FAILURES_PER_IP: '1000',
  // Every spec's visitor comes from this address; pages asked for before
  // signing in count as refusals, so keep the anonymous cap out of their way.
  OPSDECK_ANONYMOUS_REFUSALS_PER_MIN: '100000',
  // The specs open pages as the same five users in parallel, many a second;
  // keep the per-user cap on live streams out of their way too.
  OPSDECK_LIVE_STREAMS_PER_USER: '1000',
  // Alerts fire within a second of their data, so the tests need not wait.
  OPSDECK_ALERT_EVAL_SECS: '1',
};
exports.ROLES = ['admin', 'operator', 'support', 'manager', 'viewer'];
exports.PASSWORD = 'e2e password for every role';
exports.emailFor = (role) => `${role}@e2e.test`;
// The ingest API key global-setup creates (specs send data with it).
exports.ingestKeyFile = path.join(target, 'e2e-ingest-key.txt');
// The deployments:write key global-setup creates (specs record deployments with it).
exports.deploymentsKeyFile = path.join(target, 'e2e-deployments-key.txt');
// The logs key global-setup creates (specs send log lines with it).
exports.logsKeyFile = path.join(target, 'e2e-logs-key.txt');
// The DSN of the errors key (service e2e-shop) global-setup creates (specs send errors with it).
exports.errorsDsnFile = path.join(target, 'e2e-errors-dsn.txt');
