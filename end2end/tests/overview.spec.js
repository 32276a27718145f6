const { test, expect, signIn } = require('./fixtures');

test('the Overview shows live Postgres and Redis checks rendered by the server', async ({ page }) => {
  await signIn(page, 'viewer');
  await page.goto('/');
  await expect(page).toHaveTitle('Overview · Opsdeck');
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  for (const service of ['Postgres', 'Redis']) {
    const card = page.getByRole('article', { name: service });
    await expect(card.getByRole('heading', { name: service })).toBeVisible();
    await expect(card.getByText('Up', { exact: true })).toBeVisible();
    await expect(card.getByText(/^\d+ ms$/)).toBeVisible();
  }
  await expect(page.getByTestId('checked-at')).toContainText(/Checked at \d\d:\d\d:\d\d UTC/);
});

test('after hydration, Refresh now re-runs the checks in the browser', async ({ page, jsEnabled }) => {
  test.skip(!jsEnabled, 'needs the hydrated app');
  await signIn(page, 'viewer');
  await page.goto('/');
  const checkedAt = page.getByTestId('checked-at').locator('time');
  const first = await checkedAt.getAttribute('datetime');
  // A click before hydration finishes does nothing, so retry until it takes.
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh now' }).click();
    expect(await checkedAt.getAttribute('datetime')).not.toBe(first);
  }).toPass({ timeout: 15_000 });
  await expect(page.getByRole('article', { name: 'Redis' }).getByText('Up', { exact: true })).toBeVisible();
});

test('ECharts is served by Opsdeck itself', async ({ request }) => {
  const response = await request.get('/echarts.min.js');
  expect(response.status()).toBe(200);
  expect(await response.text()).toContain('echarts');
});

test('pages hydrate under the nonce CSP, and the chart script loads under it', async ({ page, jsEnabled }) => {
  test.skip(!jsEnabled, 'needs JavaScript');
  const violations = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  await signIn(page, 'viewer');
  const response = await page.goto('/');
  const csp = response.headers()['content-security-policy'];
  expect(csp).toContain("'wasm-unsafe-eval'");
  expect(csp).not.toContain('unsafe-inline');
  // The chart library is served from Opsdeck itself ('self'), as pages that draw charts load it.
  await page.addScriptTag({ url: '/echarts.min.js' });
  expect(await page.evaluate(() => typeof window.echarts?.init)).toBe('function');
  expect(violations).toEqual([]);
});
