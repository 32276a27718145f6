// Refused submits, with and without JavaScript: every message of a submit
// shows at once beside its field (tied to it, the first one focused), what
// was typed stays, and text with markup comes back as text. Sign-in, the
// Deployments page's record form and Finish, the Users page's rows, the
// silence form and a rules import's preview.
const fs = require('fs');
const { test, expect, signIn } = require('./fixtures');
const { deploymentsKeyFile, emailFor } = require('../e2e-env');

const MARKUP = '"q" </textarea><script>alert(1)</script><b id=bold>b</b>';
const unique = (testInfo) => `${testInfo.project.name}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

// The field's message, the field tied to it and marked invalid.
async function toldBeside(page, field, message) {
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  const id = await field.getAttribute('aria-describedby');
  expect(id, 'the field is described by its message').toBeTruthy();
  const told = page.locator(id.split(' ').map((i) => `#${i}.field-error`).join(', '));
  await expect(told).toContainText(message);
}

test('a wrong password keeps the email and is told beside the password', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Email').fill(emailFor('viewer'));
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const password = page.getByLabel('Password');
  await toldBeside(page, password, 'Email or password is incorrect');
  await expect(page.getByLabel('Email')).toHaveValue(emailFor('viewer'));
  await expect(password).toHaveValue('');
  await expect(password).toBeFocused();
  expect(page.url()).not.toContain('not+the');
});

test('a deployment form and a Finish refused say every problem beside its field', async ({ page, request }, testInfo) => {
  const service = `e2e-refused-${unique(testInfo)}`;
  await signIn(page, 'operator');
  await page.goto('/deployments');
  const form = page.getByRole('region', { name: 'Record a deployment' });
  await form.getByLabel('Service').fill(service);
  await form.getByLabel('Version').fill('v1');
  await form.getByLabel('Environment').fill('prod west');
  await form.getByLabel('Commit').fill('abc def');
  await form.getByLabel('Deployed by').fill(MARKUP);
  await form.getByLabel('Notes link').fill('not a link');
  await form.getByRole('button', { name: 'Record deployment' }).click();
  const region = page.getByRole('region', { name: 'Record a deployment' });
  await toldBeside(page, region.getByLabel('Environment'), 'letters, digits');
  await toldBeside(page, region.getByLabel('Commit'), 'must not contain spaces');
  await toldBeside(page, region.getByLabel('Notes link'), 'http:// or https://');
  await expect(region.getByLabel('Environment')).toBeFocused();
  await expect(region.getByLabel('Deployed by')).toHaveValue(MARKUP);
  await expect(page.locator('#bold')).toHaveCount(0);

  // A started deployment from CI, finished from its row with a time before its start.
  const startedAt = new Date(Date.now() - 30 * 60_000).toISOString();
  const recorded = await request.post('/api/v1/deployments', {
    headers: { Authorization: `Bearer ${fs.readFileSync(deploymentsKeyFile, 'utf8').trim()}` },
    data: { service, version: 'v2', status: 'started', started_at: startedAt },
  });
  expect(recorded.status()).toBe(201);
  const early = new Date(Date.now() - 3 * 3600_000).toISOString().slice(0, 16);
  await page.goto(`/deployments?service=${service}`);
  const row = page.getByTestId('deployment-row').filter({ hasText: 'v2' });
  await row.getByText('Finish', { exact: true }).click();
  await row.getByLabel(`Outcome of ${service} v2`).selectOption('failed');
  await row.getByLabel('Finished at (UTC)').fill(early);
  await row.getByRole('button', { name: 'Save outcome' }).click();
  const again = page.getByTestId('deployment-row').filter({ hasText: 'v2' });
  const time = again.getByLabel('Finished at (UTC)');
  await toldBeside(page, time, 'must not be before started_at');
  await expect(time).toBeVisible();
  await expect(time).toBeFocused();
  await expect(time).toHaveValue(early);
  await expect(again.getByLabel(`Outcome of ${service} v2`)).toHaveValue('failed');
  await expect(again).toContainText('Started');
});

test('a refused password reset is told in its row, beside the field', async ({ page }, testInfo) => {
  const email = `refused-${unique(testInfo)}@e2e.test`;
  await signIn(page, 'admin');
  const created = await page.request.post('/api/users/create', {
    headers: { Accept: 'application/json' },
    form: { email, display_name: 'Refused Reset', role: 'viewer', password: 'a fresh password for this test' },
  });
  expect(created.status()).toBe(200);
  await page.goto(`/users?q=${encodeURIComponent(email)}`);
  const row = page.getByRole('row').filter({ hasText: email });
  await row.locator('summary', { hasText: 'Reset password' }).click();
  await row.getByLabel(`New password for ${email}`).fill('password1234');
  await row.getByRole('button', { name: 'Reset password' }).click();
  const field = page.getByRole('row').filter({ hasText: email }).getByLabel(`New password for ${email}`);
  await toldBeside(page, field, 'too common');
  await expect(field).toBeVisible();
  await expect(field).toBeFocused();
  await expect(page.getByRole('alert').filter({ hasText: 'too common' })).toHaveCount(1);
});

test('a refused silence says every problem at once and keeps the comment', async ({ page }) => {
  await signIn(page, 'operator');
  await page.goto('/alerts/silences');
  await page.getByLabel('Labels').fill('team');
  await page.getByLabel('For', { exact: true }).fill('soon');
  await page.getByLabel('Comment', { exact: true }).fill(MARKUP);
  await page.getByRole('button', { name: 'Create silence' }).click();
  await toldBeside(page, page.getByLabel('Labels'), 'write name=value');
  await toldBeside(page, page.getByLabel('For', { exact: true }), '30m, 2h');
  await expect(page.getByLabel('Labels')).toBeFocused();
  await expect(page.getByLabel('Comment', { exact: true })).toHaveValue(MARKUP);
  await expect(page.locator('#bold')).toHaveCount(0);
});

test('an import preview names every problem of every rule', async ({ page }, testInfo) => {
  const suffix = unique(testInfo);
  const yaml = [
    'kind: opsdeck/alert-rules', 'version: 1', 'rules:',
    `- name: First ${suffix}`, `  description: '${MARKUP}'`, '  service: shop', '  aggregation: p95',
    '  window_secs: 90', "  comparator: '>'", '  threshold: lots', '  no_data: keep', '  severity: urgent',
    `- name: Second ${suffix}`, '  service: shop', '  aggregation: median', '  window_secs: 300',
    "  comparator: '>'", '  threshold: 5', '  no_data: keep', '  severity: info', '  channels: [nosuch]', '',
  ].join('\n');
  await signIn(page, 'operator');
  await page.goto('/alerts/rules/import');
  await page.getByLabel('Rules file (YAML)').fill(yaml);
  await page.getByRole('button', { name: 'Preview' }).click();
  const problems = page.getByTestId('import-problems');
  for (const expected of [
    `rules[0] (First ${suffix}): window_secs:`, `rules[0] (First ${suffix}): threshold:`, `rules[0] (First ${suffix}): severity:`,
    `rules[1] (Second ${suffix}): aggregation:`, `rules[1] (Second ${suffix}): channels: No notification channel named nosuch`,
  ]) {
    await expect(problems.getByRole('listitem').filter({ hasText: expected })).toHaveCount(1);
  }
  const text = page.getByLabel('Rules file (YAML)');
  await expect(text).toHaveValue(yaml);
  await expect(text).toHaveAttribute('aria-describedby', 'import-problems-list');
  await expect(text).toBeFocused();
  await expect(page.locator('#bold')).toHaveCount(0);
});
