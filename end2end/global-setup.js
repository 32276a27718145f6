// Creates one account per role in the e2e database through the real CLI
// (`opsdeck user create`), the same way the README's run command creates the
// first admin. Safe to run again: existing accounts are left alone.
const { execFileSync } = require('child_process');
const { bin, serverEnv, ROLES, PASSWORD, emailFor } = require('./e2e-env');

module.exports = async () => {
  for (const role of ROLES) {
    execFileSync(bin, ['user', 'create', '--email', emailFor(role), '--role', role, '--name', `E2E ${role}`, '--skip-if-exists'], {
      input: PASSWORD,
      env: serverEnv,
      stdio: ['pipe', 'inherit', 'inherit'],
    });
  }
};
