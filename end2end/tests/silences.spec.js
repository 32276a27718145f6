// Silences in the browser: an operator silences a firing alert from the
// Alerts page, sees the silence listed (who, until when) and the alert
// marked silenced, then ends it.
const fs = require('fs');
const { test, expect, signIn } = require('./fixtures');
const { ingestKeyFile } = require('../e2e-env');

test('an operator silences a firing alert, sees it listed and ends it', async ({ page, request }, testInfo) => {
  const suffix = `${testInfo.project.name}-${Date.now()}`;
  const service = `e2e-silences-${suffix}`;
  const rule = `Checkout slow ${suffix}`;
  const comment = `Deploying the fix (${suffix})`;
  // Slow answers right now, so the evaluator fires the rule at once.
  const key = fs.readFileSync(ingestKeyFile, 'utf8').trim();
  const requests = [];
  for (let minute = 3; minute >= 0; minute -= 1) {
    for (let i = 0; i < 5; i += 1) {
      const ts = new Date(Date.now() - minute * 60_000 - i * 5_000).toISOString();
      requests.push({ service, endpoint: '/pay', method: 'POST', status: 200, duration_ms: 800 + i, ts });
    }
  }
  const sent = await request.post('/api/v1/ingest', { headers: { Authorization: `Bearer ${key}` }, data: { requests } });
  expect(sent.status()).toBe(202);

  await signIn(page, 'operator');
  // The rule, saved through the editor's own server function.
  const saved = await page.request.post('/api/alerts/save', {
    headers: { Accept: 'application/json' },
    form: {
      'rule[name]': rule, 'rule[service]': service, 'rule[aggregation]': 'p95', 'rule[window_minutes]': '2',
      'rule[comparator]': '>', 'rule[threshold]': '300', 'rule[for_minutes]': '0', 'rule[no_data]': 'keep',
      'rule[severity]': 'warning', 'rule[enabled]': 'on',
    },
  });
  expect(saved.status()).toBe(200);

  // The evaluator (every second here) fires it.
  const row = page.getByTestId('active-alerts').locator('tr', { hasText: rule });
  await expect(async () => {
    await page.goto('/alerts');
    await expect(row.locator('[data-state="firing"]')).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });

  await row.getByRole('link', { name: 'Silence', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Silences' })).toBeVisible();
  await expect(page.getByLabel('Rule name')).toHaveValue(rule);
  await page.getByLabel('For', { exact: true }).fill('30m');
  await page.getByLabel('Comment', { exact: true }).fill(comment);
  await page.getByRole('button', { name: 'Create silence' }).click();

  // Listed as active, with who created it and when it expires.
  const silence = page.getByTestId('active-silences').locator('tr', { hasText: comment });
  await expect(silence).toContainText('operator@e2e.test');
  await expect(silence).toContainText(rule);
  await expect(silence.locator('time')).toHaveCount(2);

  // The alert still shows firing, marked silenced until the silence's expiry.
  await page.goto('/alerts');
  await expect(row.locator('[data-state="firing"]')).toBeVisible();
  await expect(row.getByTestId('silenced')).toContainText('Silenced until');

  // Ending it (after confirming) moves it to the ended ones.
  await page.goto('/alerts/silences');
  await silence.getByText('End now…').click();
  await silence.getByRole('button', { name: 'End silence' }).click();
  const ended = page.getByTestId('ended-silences').locator('tr', { hasText: comment });
  await expect(ended).toContainText('ended by operator@e2e.test');
  await expect(page.getByTestId('active-silences').locator('tr', { hasText: comment })).toHaveCount(0);
});

test('a bad duration is refused beside its field and nothing typed is lost', async ({ page }, testInfo) => {
  await signIn(page, 'operator');
  await page.goto('/alerts/silences');
  await page.getByLabel('Rule name').fill(`Typed ${testInfo.project.name}`);
  await page.getByLabel('For', { exact: true }).fill('someday');
  await page.getByLabel('Comment', { exact: true }).fill('Looks fine');
  await page.getByRole('button', { name: 'Create silence' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Write a duration such as' })).toBeVisible();
  await expect(page.getByLabel('Rule name')).toHaveValue(`Typed ${testInfo.project.name}`);
  await expect(page.getByLabel('Comment', { exact: true })).toHaveValue('Looks fine');
});
