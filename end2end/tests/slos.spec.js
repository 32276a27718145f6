// SLOs in the browser: an operator creates one on a service with traffic
// sent through the real ingest API and reads its budget, the sentence
// saying how it was computed and the Overview's strip; bad input comes back
// beside its field with what was typed, nothing stored; a manager reads
// but cannot change; viewers and support are refused.
const fs = require('fs');
const { test, expect, signIn } = require('./fixtures');
const { ingestKeyFile } = require('../e2e-env');

let SERVICE = 'e2e-slo';

// 100 requests over the last 20 minutes, one of them a 500: against 95 %
// the budget allows 5 bad ones, so 80 % of it is left.
test.beforeAll(async ({ request }, testInfo) => {
  SERVICE = `e2e-slo-${testInfo.project.name}-${Date.now()}`;
  const key = fs.readFileSync(ingestKeyFile, 'utf8').trim();
  const requests = Array.from({ length: 100 }, (_, i) => ({
    service: SERVICE,
    endpoint: '/pay',
    method: 'POST',
    status: i === 0 ? 500 : 200,
    duration_ms: 40,
    ts: new Date(Date.now() - (2 + (i % 20)) * 60_000).toISOString(),
  }));
  const response = await request.post('/api/v1/ingest', {
    headers: { Authorization: `Bearer ${key}`, 'Idempotency-Key': `e2e-slos-${SERVICE}` },
    data: { requests, samples: [] },
  });
  expect(response.status()).toBe(202);
});

async function fill(page, { name, objective, description = '' }) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Service').fill(SERVICE);
  await page.getByLabel('Description').fill(description);
  await page.getByLabel('Kind').selectOption('availability');
  await page.getByLabel('Objective (%)').fill(objective);
  await page.getByLabel('Window').selectOption('7d');
  await page.getByRole('button', { name: 'Save SLO' }).click();
}

test('an operator creates an SLO, reads its budget and deletes it; bad input stores nothing', async ({ page }, testInfo) => {
  const name = `Pay ${testInfo.project.name} ${Date.now()}`;
  const typed = 'Ends </textarea><script>alert(1)</script> "quoted"';
  await signIn(page, 'operator');
  await page.goto('/slos');
  await page.getByRole('link', { name: 'New SLO' }).click();

  await fill(page, { name, objective: '100', description: typed });
  await expect(page.locator('#objective-error')).toContainText('Between 0 and 100');
  await expect(page.getByLabel('Description')).toHaveValue(typed);
  await expect(page.getByLabel('Name')).toHaveValue(name);
  await page.goto('/slos');
  await expect(page.getByRole('link', { name })).toHaveCount(0);

  await page.goto('/slos/new');
  await fill(page, { name, objective: '95', description: typed });
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  const budget = page.getByTestId('slo-budget');
  await expect(budget.locator('[data-budget]')).toHaveText('80 % left');
  await expect(page.getByTestId('budget-sentence')).toContainText('Counted 100 requests');
  await expect(page.getByTestId('budget-sentence')).toContainText('1 was bad');
  await expect(page.locator('p', { hasText: typed })).toBeVisible();
  await expect(page.getByLabel('Description')).toHaveValue(typed);
  await expect(page.getByTestId('slo-alerts').getByRole('link', { name: 'Backtest 30 days' })).toHaveCount(3);

  await page.goto('/');
  const strip = page.getByTestId('slo-strip');
  await expect(strip.getByRole('link', { name })).toBeVisible();
  await expect(strip.locator('li', { hasText: name }).locator('[data-budget="healthy"]')).toHaveText('80 % left');

  await page.goto('/slos');
  await page.getByRole('link', { name }).click();
  await page.locator('details.confirm summary').click();
  await page.getByRole('button', { name: 'Delete SLO' }).click();
  await expect(page).toHaveURL(/\/slos$/);
  await expect(page.getByRole('link', { name })).toHaveCount(0);
});

test('a manager reads SLOs but cannot change them', async ({ page }) => {
  await signIn(page, 'manager');
  await page.goto('/slos');
  await expect(page.getByRole('heading', { level: 1, name: 'Service level objectives' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'New SLO' })).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SLOs' })).toBeVisible();
  const response = await page.goto('/slos/new');
  expect(response.status()).toBe(403);
});

for (const role of ['viewer', 'support']) {
  test(`${role}s are refused SLOs`, async ({ page }) => {
    await signIn(page, role);
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SLOs' })).toHaveCount(0);
    const response = await page.goto('/slos');
    expect(response.status()).toBe(403);
    await page.goto('/');
    await expect(page.getByTestId('slo-strip')).toHaveCount(0);
  });
}
