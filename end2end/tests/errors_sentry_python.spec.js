// A real Sentry SDK for Python: the official sentry-sdk (pinned in
// sentry/requirements.txt, installed into end2end/.venv-sentry from PyPI
// when missing) sends an exception with a stack trace, a breadcrumb, a user
// and a release, and a message, to the DSN global-setup created; the SDK
// reports no failed send, and support staff find both on the Errors page
// and the exception on its Issue page.
const { execFile } = require('child_process');
const fs = require('fs');
const path = require('path');
const { promisify } = require('util');
const { test, expect, signIn } = require('./fixtures');
const { errorsDsnFile } = require('../e2e-env');

const run = promisify(execFile);
const sentryDir = path.join(__dirname, '..', 'sentry');
const venv = path.join(__dirname, '..', '.venv-sentry');
const python = path.join(venv, 'bin', 'python');

// The venv is kept between runs; it is (re)made when the pinned SDK is not in it.
async function sdkPython() {
  const requirements = path.join(sentryDir, 'requirements.txt');
  const pinned = /^sentry-sdk==(\S+)$/m.exec(fs.readFileSync(requirements, 'utf8'))[1];
  const installed = await run(python, ['-c', 'import sentry_sdk; print(sentry_sdk.VERSION)']).then(
    ({ stdout }) => stdout.trim(),
    () => null,
  );
  if (installed !== pinned) {
    await run('python3', ['-m', 'venv', venv], { timeout: 120_000 });
    await run(python, ['-m', 'pip', 'install', '--quiet', '-r', requirements], { timeout: 300_000 });
  }
  return python;
}

test('errors sent by the Python Sentry SDK are found on the Errors and Issue pages', async ({ page }) => {
  test.setTimeout(420_000);
  const letters = (n) => n.toString(36).replace(/[0-9]/g, (d) => 'abcdefghij'[d]);
  const word = `pyword${letters(Date.now())}${letters(Math.floor(Math.random() * 1e9))}`;
  const dsn = fs.readFileSync(errorsDsnFile, 'utf8').trim();
  const { stdout } = await run(
    await sdkPython(),
    [path.join(sentryDir, 'send_errors.py'), '--dsn', dsn, '--word', word, '--release', 'e2e-billing@2.0.0'],
    { timeout: 60_000, cwd: path.join(__dirname, '..') },
  );
  const report = JSON.parse(stdout);
  expect(report.problems).toEqual([]);
  expect(report.exceptionId).toMatch(/^[0-9a-f]{32}$/);

  await signIn(page, 'support');
  await page.goto(`/errors?q=${encodeURIComponent(word)}`);
  const exception = page.getByRole('link', { name: `ValueError: invoice failed for cart ${word} without items` });
  await expect(exception).toBeVisible();
  await expect(page.getByRole('link', { name: `invoice retried for ${word}` })).toBeVisible();

  await exception.click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`ValueError: invoice failed for cart ${word} without items`);
  await expect(page.locator('.grouped-by')).toContainText(`place_order_${word}`);
  await expect(page.getByRole('cell', { name: `opened invoice ${word}` })).toBeVisible();
  await expect(page.locator('dd', { hasText: `user-${word}` })).toBeVisible();
  await expect(page.locator('dd', { hasText: 'e2e-billing@2.0.0' }).first()).toBeVisible();
});
