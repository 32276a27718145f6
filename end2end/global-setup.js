// Creates one account per role in the e2e database through the real CLI
// (`opsdeck user create`), the same way the README's run command creates the
// first admin. Safe to run again: existing accounts are left alone.
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const {
  bin, serverEnv, ROLES, PASSWORD, emailFor, ingestKeyFile, deploymentsKeyFile, logsKeyFile, errorsDsnFile,
} = require('./e2e-env');

module.exports = async () => {
  for (const role of ROLES) {
    execFileSync(bin, ['user', 'create', '--email', emailFor(role), '--role', role, '--name', `E2E ${role}`, '--skip-if-exists'], {
      input: PASSWORD,
      env: serverEnv,
      stdio: ['pipe', 'inherit', 'inherit'],
    });
  }
  // An ingest key for specs that send metrics; the CLI prints only the key on stdout.
  // (The server may not be up yet, so specs send their data themselves.)
  const createKey = (name, scope) => execFileSync(bin, ['api-key', 'create', '--name', name, '--scope', scope], {
    env: serverEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).toString().trim();
  fs.writeFileSync(ingestKeyFile, createKey('e2e', 'ingest'));
  // CI records deployments with a key of its own scope.
  fs.writeFileSync(deploymentsKeyFile, createKey('e2e ci', 'deployments:write'));
  // Services send log lines (OTLP, NDJSON) with a key of the logs scope.
  fs.writeFileSync(logsKeyFile, createKey('e2e logs', 'logs'));
  // Sentry SDKs send errors with a DSN: a key of the errors scope bound to a
  // service; `opsdeck errors dsn create` prints only the DSN on stdout.
  const created = spawnSync(bin, ['errors', 'dsn', 'create', '--service', 'e2e-shop', '--name', 'e2e errors'], {
    env: serverEnv,
    encoding: 'utf8',
  });
  const dsn = (created.stdout || '').trim();
  if (created.status !== 0 || !/^http:\/\/odk_\S+@\S+\/\d+$/.test(dsn)) {
    throw new Error(`could not create the errors DSN: ${created.stderr}`);
  }
  fs.writeFileSync(errorsDsnFile, dsn);
};
