// Prometheus scrape targets (Settings › Scrape targets, admins only): an
// admin adds Opsdeck's own /metrics as a target; the scraper reads it within
// seconds, the list shows it up and the target's page its series (`up`,
// `opsdeck_live_streams_open`, …). A refused form keeps what was typed and
// names the field; text with markup is shown as text. Others may not open it.
const crypto = require('crypto');
const { test, expect, signIn, hydrated } = require('./fixtures');
const { baseURL } = require('../e2e-env');

// Clicks must wait for hydration where JavaScript runs (else they take the plain-form path).
const ready = async (page, testInfo) => {
  if (testInfo.project.name === 'js') await hydrated(page);
};
const unique = (testInfo) => `scrape-${testInfo.project.name}-${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;

test('an admin adds Opsdeck\'s own /metrics and sees it scraped', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const service = unique(testInfo);
  // A query string makes the URL unique to this test (the target's key).
  const url = `${baseURL}/metrics?e2e=${service}`;
  await signIn(page, 'admin');
  await page.goto('/settings');
  await page.getByRole('link', { name: 'Scrape targets' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Scrape targets' })).toBeVisible();
  await ready(page, testInfo);
  const form = page.getByTestId('scrape-target-form');
  await form.getByLabel('Service').fill(service);
  await form.getByLabel('URL').fill(url);
  await form.getByLabel('Scrape every (seconds)').fill('5');
  await form.getByLabel('Timeout (seconds)').fill('3');
  await form.getByLabel('Labels').fill('env=e2e');
  await form.getByRole('button', { name: 'Add target' }).click();
  const row = page.getByTestId('scrape-target').filter({ hasText: service });
  await expect(row).toHaveCount(1);

  // The scraper reads it within seconds: the list says up.
  await expect(async () => {
    await page.reload();
    await expect(row).toHaveAttribute('data-status', 'up', { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await row.getByRole('link', { name: url }).click();
  await expect(page.getByRole('heading', { level: 1, name: url })).toBeVisible();
  await expect(page.getByTestId('last-scrape')).toHaveAttribute('data-status', 'up');
  await expect(page.getByTestId('last-scrape')).toContainText(/\d+ samples in \d+ ms/);
  // The series filter (a plain GET form) narrows the list by name.
  const series = page.getByTestId('series');
  const filterBy = async (text) => {
    await page.getByLabel('Name contains').fill(text);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(new RegExp(`series=${text}`));
  };
  await filterBy('live_streams_open');
  await expect(series).toHaveCount(1);
  await expect(series).toContainText('opsdeck_live_streams_open');
  await filterBy('up');
  const up = series.filter({ has: page.locator('td:first-child code', { hasText: /^up$/ }) });
  await expect(up).toHaveCount(1);
  await expect(up).toContainText('env="e2e"');

  // Delete, behind a confirmation.
  await ready(page, testInfo);
  await page.getByText('Delete…').click();
  await page.getByRole('button', { name: 'Delete target' }).click();
  await expect(page).toHaveURL(/\/settings\/scrape-targets$/);
  await expect(page.getByTestId('scrape-target').filter({ hasText: service })).toHaveCount(0);
});

test('a refused target keeps what was typed, names the field and shows markup as text', async ({ page }, testInfo) => {
  const service = `${unique(testInfo)} </textarea><script>window.pwned=1</script> "q"`;
  await signIn(page, 'admin');
  await page.goto('/settings/scrape-targets');
  await ready(page, testInfo);
  const form = page.getByTestId('scrape-target-form');
  await form.getByLabel('Service').fill(service);
  await form.getByLabel('URL').fill('ftp://example.com/metrics');
  await form.getByLabel('Labels').fill('team=</textarea><b>ops</b>');
  await form.getByRole('button', { name: 'Add target' }).click();
  await expect(page.getByText('must start with http:// or https://')).toBeVisible();
  await expect(form.getByLabel('Service')).toHaveValue(service);
  await expect(form.getByLabel('Labels')).toHaveValue('team=</textarea><b>ops</b>');
  expect(await page.evaluate(() => window.pwned)).toBeUndefined();
});

for (const role of ['operator', 'support', 'manager', 'viewer']) {
  test(`${role} may not open the scrape targets`, async ({ page }) => {
    await signIn(page, role);
    const response = await page.goto('/settings/scrape-targets');
    expect(response.status()).toBe(403);
  });
}
