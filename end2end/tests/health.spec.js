// The Health page: the history of Opsdeck's own checks of Postgres and Redis
// (sampled by the running server since it started), as text and as charts.
const { test, expect, signIn } = require('./fixtures');

test('the Health page shows the recorded checks of Postgres and Redis', async ({ page, jsEnabled }) => {
  await signIn(page, 'viewer');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Health', exact: true }).click();
  await expect(page).toHaveTitle('Health · Opsdeck');
  await expect(page.getByRole('heading', { level: 1, name: 'Health' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Postgres' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Redis' })).toBeVisible();

  // The server samples its checks when it starts: the numbers are there as text.
  const database = page.getByTestId('health-database');
  await expect(database.getByTestId('health-database-numbers')).toBeVisible();
  await expect(database.getByText('Up', { exact: true })).toBeVisible();
  await expect(database.getByText('Postgres was never degraded or down in this time range.')).toBeVisible();
  if (jsEnabled) {
    await expect(database.getByTestId('chart').locator('canvas').first()).toBeVisible();
  } else {
    await expect(page.locator('canvas')).toHaveCount(0);
  }

  // The range picker is a GET form.
  await page.getByLabel('Time range', { exact: true }).selectOption('24h');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/range=24h/);
  await expect(page.getByTestId('health-window')).toContainText('Last 24 hours');
});

test('a wrong custom range is explained', async ({ page }) => {
  await signIn(page, 'manager');
  await page.goto('/health-checks?range=custom&from=2026-01-02T00:00&to=2026-01-01T00:00');
  await expect(page.getByRole('alert')).toContainText('Must be after');
});
