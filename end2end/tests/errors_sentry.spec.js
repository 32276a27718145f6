// A real Sentry SDK: the official @sentry/node sends an exception (with a
// stack trace, a breadcrumb, a user and a release) and a message to the
// DSN global-setup created; the SDK must get 200s, and support staff then
// find both on the Errors page and the exception's details on its Issue
// page — with and without JavaScript. Managers and viewers are refused.
const { execFile } = require('child_process');
const fs = require('fs');
const path = require('path');
const { promisify } = require('util');
const { test, expect, signIn } = require('./fixtures');
const { errorsDsnFile } = require('../e2e-env');

const run = promisify(execFile);

test('errors sent by the Sentry SDK are found on the Errors and Issue pages', async ({ page }) => {
  // Letters only: grouping replaces digits, so runs must differ in letters.
  const letters = (n) => n.toString(36).replace(/[0-9]/g, (d) => 'abcdefghij'[d]);
  const word = `sentryword${letters(Date.now())}${letters(Math.floor(Math.random() * 1e9))}`;
  const dsn = fs.readFileSync(errorsDsnFile, 'utf8').trim();
  const script = path.join(__dirname, '..', 'sentry', 'send-errors.js');
  const { stdout } = await run(process.execPath, [script, '--dsn', dsn, '--word', word, '--release', 'e2e-shop@1.2.3'], {
    timeout: 30_000,
  });
  const report = JSON.parse(stdout);
  // Independent of the pages: Opsdeck answered 200 to both events.
  expect(report.sent.map((s) => s.statusCode)).toEqual([200, 200]);

  await signIn(page, 'support');
  await page.goto(`/errors?q=${encodeURIComponent(word)}`);
  const exception = page.getByRole('link', { name: `TypeError: checkout failed for cart ${word} with 3 items` });
  await expect(exception).toBeVisible();
  await expect(page.getByRole('link', { name: `payment retried for ${word}` })).toBeVisible();

  await exception.click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`TypeError: checkout failed for cart ${word} with 3 items`);
  await expect(page.locator('.grouped-by')).toContainText('in-app frames');
  await expect(page.locator('.grouped-by')).toContainText(`placeOrder_${word}`);
  const inApp = page.getByRole('list', { name: 'In-app frames, most recent call first' });
  await expect(inApp.locator('li.in-app').first()).toContainText(`placeOrder_${word}`);
  await expect(page.getByRole('cell', { name: `added item to cart ${word}` })).toBeVisible();
  await expect(page.locator('dd', { hasText: `user-${word}` })).toBeVisible();
  await expect(page.locator('dd', { hasText: 'e2e-shop@1.2.3' }).first()).toBeVisible();
});

for (const role of ['manager', 'viewer']) {
  test(`a ${role} has no Errors and is refused the page`, async ({ page }) => {
    await signIn(page, role);
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Errors', exact: true })).toHaveCount(0);
    const response = await page.goto('/errors');
    expect(response.status()).toBe(403);
  });
}
