// What each role sees of error issues beyond the Errors page: support
// watching the Errors page sees a new issue appear while it is open (with
// JavaScript; without it the list is as loaded), and a manager sees the
// counts of new and regressed issues on the Overview and per deployment,
// with no link into issues they may not read.
const fs = require('fs');
const { test, expect, signIn } = require('./fixtures');
const { errorsDsnFile, deploymentsKeyFile } = require('../e2e-env');

const letters = (n) => n.toString(36).replace(/[0-9]/g, (d) => 'abcdefghij'[d]);

async function sendEvent(request, word) {
  const dsn = new URL(fs.readFileSync(errorsDsnFile, 'utf8').trim());
  const project = dsn.pathname.replace(/\//g, '');
  const sent = await request.post(`/api/${project}/store/`, {
    headers: { 'X-Sentry-Auth': `Sentry sentry_key=${dsn.username}, sentry_version=7` },
    data: {
      event_id: crypto.randomUUID().replace(/-/g, ''),
      level: 'error',
      exception: { values: [{ type: 'SyntaxError', value: `bad coupon ${word}`, stacktrace: { frames: [
        { filename: '/srv/shop/coupon.js', module: 'coupon', function: `apply_${word}`, lineno: 3, in_app: true },
      ] } }] },
    },
  });
  expect(sent.status()).toBe(200);
}

test('support sees a new issue appear on the open Errors page', async ({ page, request, jsEnabled }, testInfo) => {
  const word = `liveword${letters(Date.now())}${letters(Math.floor(Math.random() * 1e9))}`;
  await signIn(page, 'support');
  await page.goto('/errors?service=e2e-shop');
  await expect(page.getByRole('heading', { level: 1, name: 'Errors' })).toBeVisible();
  if (jsEnabled) {
    // The stream opens after hydration; give it a moment before sending.
    await page.waitForTimeout(1000);
  }
  await sendEvent(request, word);
  const live = page.getByTestId('live-issues');
  if (!jsEnabled) {
    await page.waitForTimeout(1500);
    await expect(live).toHaveCount(0);
    return;
  }
  await expect(live).toContainText(`SyntaxError: bad coupon ${word}`);
  await expect(live.locator('li', { hasText: word }).locator('.badge-new')).toHaveText('new');
  for (const theme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: theme });
    await page.screenshot({ path: testInfo.outputPath(`errors-live-${theme}.png`), fullPage: true });
  }
});

test('a manager sees new issue counts on the Overview and Deployments, without links into issues', async ({ page, request }, testInfo) => {
  const key = fs.readFileSync(deploymentsKeyFile, 'utf8').trim();
  const version = `count-${letters(Date.now())}`;
  const started = new Date(Date.now() - 60_000);
  const deployed = await request.post('/api/v1/deployments', {
    headers: { Authorization: `Bearer ${key}` },
    data: { service: 'e2e-shop', version, status: 'succeeded', started_at: started.toISOString(),
            finished_at: new Date(started.getTime() + 1000).toISOString() },
  });
  expect(deployed.status()).toBe(201);
  await sendEvent(request, `countword${letters(Date.now())}`);
  await signIn(page, 'manager');
  await page.goto('/');
  const counts = page.getByTestId('overview-error-issues');
  await expect(counts.locator('tr[data-service="e2e-shop"]')).toBeVisible();
  await expect(page.getByTestId('overview-errors-link')).toHaveCount(0);
  for (const theme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: theme });
    await page.screenshot({ path: testInfo.outputPath(`overview-manager-${theme}.png`), fullPage: true });
  }
  await page.goto('/deployments');
  await expect(page.getByRole('columnheader', { name: /Error issues/ })).toBeVisible();
  const row = page.getByTestId('deployment-row').filter({ hasText: version });
  await expect(row.getByTestId('deployment-issues')).toContainText(/[1-9]\d* new/);
  await expect(row.getByTestId('deployment-errors-link')).toHaveCount(0);
});
