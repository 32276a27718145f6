// The Data stores page: Opsdeck's own Postgres and Redis as the running
// server's collector read them (it reads them as it starts), with what runs
// on them now for admins and operators; managers see status and charts only.
const { test, expect, signIn } = require('./fixtures');

test('an operator sees both stores up with their numbers, charts and sessions', async ({ page, jsEnabled }) => {
  await signIn(page, 'operator');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Data stores', exact: true }).click();
  await expect(page).toHaveTitle('Data stores · Opsdeck');
  await expect(page.getByRole('heading', { level: 1, name: 'Data stores' })).toBeVisible();

  for (const service of ['opsdeck-postgres', 'opsdeck-redis']) {
    const store = page.getByTestId(service);
    await expect(store.getByTestId('store-status')).toHaveText(/Up|Degraded/);
    await expect(store.getByTestId('store-numbers')).toBeVisible();
    if (jsEnabled) await expect(store.getByTestId('chart').locator('canvas').first()).toBeVisible();
  }
  const postgres = page.getByTestId('opsdeck-postgres').getByTestId('store-numbers');
  await expect(postgres.getByText('Connections used')).toBeVisible();
  await expect(postgres.getByText('Database size')).toBeVisible();
  await expect(postgres).toContainText(/\d+(\.\d)? (kB|MB|GB)/);

  // What runs now: the sessions (Opsdeck's own pool at least) and the slow log.
  await expect(page.getByRole('heading', { level: 2, name: 'Postgres sessions now' })).toBeVisible();
  await expect(page.getByTestId('pg-sessions').locator('tbody tr').first()).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Redis slow log' })).toBeVisible();
  // Only admins may end a session.
  await expect(page.getByText('End…')).toHaveCount(0);
  // Top queries: the e2e server does not preload pg_stat_statements, so the panel says how.
  const top = page.getByTestId('top-queries');
  await expect(top.getByRole('heading', { level: 2, name: 'Top queries' })).toBeVisible();
  await expect(top.getByTestId('statements-how-to')).toContainText('shared_preload_libraries');

  // The range picker is a GET form.
  await page.getByLabel('Time range', { exact: true }).selectOption('24h');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/range=24h/);
  await expect(page.getByTestId('datastores-window')).toContainText('Last 24 hours');
});

test('an admin ends a session after confirming, and it leaves the table', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/datastores');
  const sessions = page.getByTestId('pg-sessions');
  const first = sessions.locator('tbody tr').first();
  await expect(first).toBeVisible();
  // Opening "End…" only asks; nothing is ended until "Yes".
  await first.getByText('End…').click();
  await expect(first.getByRole('button', { name: /^Yes, end session \d+$/ })).toBeVisible();
});

test('a manager sees status and charts but no sessions or commands', async ({ page }) => {
  await signIn(page, 'manager');
  await page.goto('/datastores');
  await expect(page.getByTestId('opsdeck-postgres').getByTestId('store-status')).toHaveText(/Up|Degraded/);
  await expect(page.getByRole('heading', { level: 2, name: 'Postgres sessions now' })).toHaveCount(0);
  await expect(page.getByTestId('pg-sessions')).toHaveCount(0);
  const refused = await page.request.post('/api/datastores/activity', { data: {} });
  expect(refused.status()).toBe(403);
});

test('support and viewers may not open the page', async ({ page }) => {
  await signIn(page, 'support');
  const response = await page.goto('/datastores');
  expect(response.status()).toBe(403);
});
