// Triage as support, with and without JavaScript: resolve an issue in the
// next release → CI records a deployment → an event from the old release
// (a lagging instance) leaves it resolved → an event from the new release
// regresses it, and the timeline says who did what (Opsdeck for the
// regression). On the Errors page, bulk Resolve changes the ticked rows only.
const fs = require('fs');
const crypto = require('crypto');
const { test, expect, signIn } = require('./fixtures');
const { errorsDsnFile, deploymentsKeyFile } = require('../e2e-env');

// Letters only: grouping replaces digits, so each run's issues stay apart.
const letters = (n) => n.toString(36).replace(/[0-9]/g, (d) => 'abcdefghij'[d]);
const uniqueWord = (what) => `${what}${letters(Date.now())}${letters(Math.floor(Math.random() * 1e9))}`;

// Sends one message event to the store endpoint with the DSN's key, as an SDK would.
async function sendEvent(request, message, release) {
  const dsn = new URL(fs.readFileSync(errorsDsnFile, 'utf8').trim());
  const project = dsn.pathname.replace(/\//g, '');
  const event = {
    event_id: crypto.randomUUID().replace(/-/g, ''),
    timestamp: Date.now() / 1000,
    level: 'error',
    message,
    release,
    user: { id: 'e2e-user' },
  };
  const response = await request.post(`/api/${project}/store/?sentry_key=${dsn.username}`, { data: event });
  expect(response.status()).toBe(200);
}

async function deploy(request, version) {
  const key = fs.readFileSync(deploymentsKeyFile, 'utf8').trim();
  const recorded = await request.post('/api/v1/deployments', {
    headers: { Authorization: `Bearer ${key}` },
    data: { service: 'e2e-shop', version, status: 'succeeded', deployed_by: 'e2e pipeline' },
  });
  expect(recorded.status()).toBe(201);
}

test('resolve in the next release, an old release does not reopen it, the new one regresses it', async ({ page, request }) => {
  const word = uniqueWord('triage');
  const [oldRelease, newRelease] = [`e2e-shop@old-${word}`, `e2e-shop@new-${word}`];
  await deploy(request, oldRelease);
  await sendEvent(request, `payment failed ${word}`, oldRelease);

  await signIn(page, 'support');
  await page.goto(`/errors?q=${word}`);
  await page.getByRole('link', { name: `payment failed ${word}` }).click();
  const state = page.locator('.triage-state');
  await expect(state).toContainText('Unresolved');
  await page.getByText('Resolve ▾').click();
  await page.getByRole('button', { name: 'Resolve in the next release' }).click();
  await expect(state).toContainText(`Resolved in the next release`);
  await expect(state).toContainText(`none deployed yet (current: ${oldRelease})`);
  const timeline = page.getByRole('table', { name: 'State changes, newest first' });
  await expect(timeline.getByRole('row').nth(1)).toContainText('support@e2e.test');
  await expect(timeline.getByRole('row').nth(1)).toContainText(`resolved in the next release (after ${oldRelease})`);

  await deploy(request, newRelease);
  await sendEvent(request, `payment failed ${word}`, oldRelease);
  await page.reload();
  await expect(state).toContainText(`Resolved in the next release, ${newRelease}`);

  await sendEvent(request, `payment failed ${word}`, newRelease);
  await page.reload();
  await expect(state).toContainText('regressed');
  const regression = timeline.getByRole('row').nth(1);
  await expect(regression).toContainText('Opsdeck');
  await expect(regression).toContainText('Regressed');
  await expect(regression).toContainText(`an event from ${newRelease}`);

  // A refused change keeps the form: a release name of spaces only.
  await page.getByText('Resolve ▾').click();
  await page.getByRole('textbox', { name: 'Release', exact: true }).fill('   ');
  await page.getByRole('button', { name: 'Resolve in this release' }).click();
  await expect(page.getByText('Name the release that fixes it')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Release', exact: true })).toHaveValue('   ');
  await expect(state).toContainText('regressed');
});

test('bulk resolve changes only the ticked issues', async ({ page, request }) => {
  const word = uniqueWord('bulk');
  for (const part of ['alpha', 'bravo', 'charlie']) {
    await sendEvent(request, `queue stalled ${part} ${word}`, 'e2e-shop@bulk');
  }
  await signIn(page, 'support');
  await page.goto(`/errors?q=${word}`);
  const row = (part) => page.getByRole('row').filter({ hasText: `queue stalled ${part} ${word}` });
  await expect(page.getByRole('row')).toHaveCount(4);
  await row('alpha').getByRole('checkbox').check();
  await row('charlie').getByRole('checkbox').check();
  await page.getByLabel('For the ticked issues').selectOption('resolve');
  await page.getByText('Apply to the selected…').click();
  await page.getByRole('button', { name: 'Yes, apply to the selected' }).click();
  // The State column (after Issue and Level).
  const stateOf = (part) => row(part).getByRole('cell').nth(2);
  await expect(stateOf('alpha')).toHaveText('resolved');
  await expect(stateOf('charlie')).toHaveText('resolved');
  await expect(stateOf('bravo')).toHaveText('unresolved');
});
