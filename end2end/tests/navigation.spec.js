const { test, expect, signIn } = require('./fixtures');

const everyArea = ['Overview', 'Performance', 'Health', 'Data stores', 'Alerts', 'Logs', 'Errors', 'Backups', 'Deployments', 'Audit', 'Settings', 'Users'];
const hiddenFrom = {
  admin: [],
  operator: ['Audit', 'Users'],
  support: ['Data stores', 'Backups', 'Deployments', 'Users'],
  manager: ['Logs', 'Errors', 'Users'],
  viewer: ['Data stores', 'Alerts', 'Logs', 'Errors', 'Audit', 'Backups', 'Deployments', 'Users'],
};

for (const [role, hidden] of Object.entries(hiddenFrom)) {
  test(`${role} sees only the areas the role may open`, async ({ page }) => {
    await signIn(page, role);
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const area of everyArea) {
      const link = nav.getByRole('link', { name: area, exact: true });
      if (hidden.includes(area)) await expect(link).toHaveCount(0);
      else await expect(link).toBeVisible();
    }
  });
}

test('the navigation marks the area it reached', async ({ page }) => {
  await signIn(page, 'admin');
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const area of ['Logs', 'Errors']) {
    await nav.getByRole('link', { name: area, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: area })).toBeVisible();
    await expect(nav.getByRole('link', { name: area, exact: true })).toHaveAttribute('aria-current', 'page');
  }
  await nav.getByRole('link', { name: 'Overview', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
});

test('an unknown address gets the 404 page', async ({ page }) => {
  await signIn(page, 'viewer');
  const response = await page.goto('/no/such/page');
  expect(response.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Go to the Overview' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
});

test('an admin reaches API keys from Settings; a viewer cannot open the page', async ({ page, browser }, testInfo) => {
  await signIn(page, 'admin');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('link', { name: 'API keys' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'API keys' })).toBeVisible();

  const other = await browser.newContext({ javaScriptEnabled: testInfo.project.use.javaScriptEnabled !== false });
  const viewer = await other.newPage();
  await signIn(viewer, 'viewer');
  const response = await viewer.goto('/settings/api-keys');
  expect(response.status()).toBe(403);
  await other.close();
});
