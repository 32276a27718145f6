// Monitored data stores end to end: an admin adds a backup target (the e2e
// database, under a name of its own so the JS and no-JS runs never share
// one), watches it from the Data stores page in one click, sees its tile
// there and on the Overview, and its page with charts; tests a typed URL
// that nothing answers; an operator sees the tile but no management.
const { test, expect, signIn } = require('./fixtures');
const { serverEnv } = require('../e2e-env');

test('an admin watches a backup target in one click and opens its page', async ({ page, jsEnabled }) => {
  test.setTimeout(90_000);
  const name = `dst-${jsEnabled ? 'js' : 'nojs'}-${Date.now().toString(36)}`;
  await signIn(page, 'admin');
  await page.goto('/backups');
  const add = page.locator('details.add-target');
  await add.locator('summary').click();
  await add.getByLabel('Name').fill(name);
  await add.getByLabel('Connection URL').fill(serverEnv.DATABASE_URL);
  await add.getByRole('button', { name: 'Add target' }).click();
  await expect(page.getByTestId('target-row').filter({ hasText: name })).toBeVisible();

  await page.goto('/datastores');
  const admin = page.getByTestId('targets-admin');
  await expect(admin.getByRole('heading', { name: 'Monitored data stores' })).toBeVisible();
  await admin.getByRole('button', { name: `Watch backup target ${name}` }).click();
  const row = page.getByTestId('target-row').filter({ hasText: name });
  await expect(row).toBeVisible();
  await expect(row).toContainText('from backup target');
  await expect(page.locator('body')).not.toContainText(serverEnv.DATABASE_URL);

  // Its connection tests fine; its tile appears once the collector read it.
  await row.getByRole('button', { name: `Test connection: ${name}` }).click();
  await expect(page.getByTestId(jsEnabled ? 'target-test' : 'connection-test')).toContainText('Connected to');
  const tile = page.getByTestId(`tile-pg:${name}`);
  await expect(async () => {
    await page.goto('/datastores');
    await expect(tile.getByTestId('store-status')).toHaveText(/Up|Degraded/, { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });

  // The Overview shows the same tile, linking to the same page.
  await page.goto('/');
  await expect(tile.getByTestId('store-status')).toHaveText(/Up|Degraded/);
  await tile.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.getByTestId(`pg:${name}`).getByTestId('store-numbers')).toContainText('Connections used');
  if (jsEnabled) await expect(page.getByTestId('chart').locator('canvas').first()).toBeVisible();

  // Delete, after the confirmation.
  await page.goto('/datastores');
  const again = page.getByTestId('target-row').filter({ hasText: name });
  await again.locator('summary', { hasText: 'Delete' }).click();
  await again.getByRole('button', { name: `Yes, delete ${name}` }).click();
  await expect(page.getByTestId('target-row').filter({ hasText: name })).toHaveCount(0);
});

test('test connection says what failed and a refused add keeps what was typed', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/datastores');
  const admin = page.getByTestId('targets-admin');
  await admin.getByLabel('Name').fill('</textarea><script>"');
  await admin.getByLabel('Connection URL').fill('postgres://u@127.0.0.1:1/db');
  await admin.getByRole('button', { name: 'Test connection', exact: true }).click();
  await expect(page.getByTestId('connection-test')).toContainText('Connection refused');

  await page.goto('/datastores');
  await admin.getByLabel('Name').fill('</textarea><script>"');
  await admin.getByLabel('Connection URL').fill('postgres://u:hunter2@127.0.0.1:1/db');
  await admin.getByRole('button', { name: 'Add data store' }).click();
  await expect(admin.getByText('Use 1–63 lowercase letters')).toBeVisible();
  await expect(admin.getByLabel('Name')).toHaveValue('</textarea><script>"');
  await expect(page.locator('body')).not.toContainText('hunter2');
});

test('an operator sees no management of the data stores', async ({ page }) => {
  await signIn(page, 'operator');
  await page.goto('/datastores');
  await expect(page.getByRole('heading', { level: 1, name: 'Data stores' })).toBeVisible();
  await expect(page.getByTestId('targets-admin')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Add data store' })).toHaveCount(0);
  const refused = await page.request.post('/api/datastores/targets', { data: {} });
  expect(refused.status()).toBe(403);
});
