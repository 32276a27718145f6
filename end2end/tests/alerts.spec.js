// Alerting in the browser: an operator writes a rule, backtests it over the
// stored history and sees the bands, saves it, watches it fire from fresh
// data and acknowledges it; a manager reads it; a viewer has no Alerts.
const fs = require('fs');
const { test, expect, signIn } = require('./fixtures');
const { ingestKeyFile } = require('../e2e-env');

test('an operator writes, backtests and saves a rule, sees it fire and acknowledges it', async ({ page, request }, testInfo) => {
  const suffix = `${testInfo.project.name}-${Date.now()}`;
  const service = `e2e-alerting-${suffix}`;
  const rule = `Slow ${suffix}`;
  // Slow answers 30–20 minutes ago (the backtest finds them) and right now (the evaluator does).
  const key = fs.readFileSync(ingestKeyFile, 'utf8').trim();
  const requests = [];
  for (let minute = 40; minute >= 0; minute -= 1) {
    const slow = (minute <= 30 && minute >= 20) || minute <= 2;
    for (let i = 0; i < 5; i += 1) {
      const ts = new Date(Date.now() - minute * 60_000 - i * 5_000).toISOString();
      requests.push({ service, endpoint: '/pay', method: 'POST', status: 200, duration_ms: slow ? 600 + i : 20 + i, ts });
    }
  }
  const sent = await request.post('/api/v1/ingest', { headers: { Authorization: `Bearer ${key}` }, data: { requests } });
  expect(sent.status()).toBe(202);

  await signIn(page, 'operator');
  await page.goto('/alerts/rules');
  await page.getByRole('link', { name: 'New rule' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New alert rule' })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill(rule);
  await page.getByLabel('Service', { exact: true }).fill(service);
  await page.getByLabel('Window (minutes)').fill('2');
  await page.getByLabel('Threshold', { exact: true }).fill('300');
  await page.getByLabel('Recovery threshold').fill('100');
  await page.getByLabel('For (minutes)').fill('0');
  await page.getByLabel('Enabled').check();
  await page.getByLabel('Preview and backtest over').selectOption('6');
  await page.getByRole('button', { name: 'Preview and backtest' }).click();

  // The backtest, as text and as bands on the strip.
  await expect(page.getByTestId('backtest-summary')).toContainText('would have fired 2 times');
  await expect(page.locator('rect.firing-band')).toHaveCount(2);
  await expect(page.getByTestId('backtest-episodes').locator('tbody tr')).toHaveCount(2);
  // The form kept what was typed.
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(rule);

  await page.getByRole('button', { name: 'Save rule' }).click();
  await expect(page).toHaveURL(/\/alerts\/rules\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: rule })).toBeVisible();
  await expect(page.getByTestId('rule-versions').locator('tbody tr')).toHaveCount(1);

  // The evaluator (every second here) fires it from the fresh slow answers.
  await expect(async () => {
    await page.goto('/alerts');
    await expect(page.getByTestId('active-alerts').getByRole('link', { name: rule })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  // The header's badge counts it.
  await expect(page.getByTestId('alert-badge')).toContainText(/\d+ firing/);
  const row = page.getByTestId('active-alerts').locator('tr', { hasText: rule });
  await expect(row.locator('[data-state="firing"]')).toBeVisible();
  await row.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(page.getByTestId('active-alerts').locator('tr', { hasText: rule })).toContainText('operator@e2e.test');

  // Each state change links to the chart an hour either side of it and to its
  // notifications; the audit trail only for those who may read the audit log.
  const event = page.getByTestId('alert-events').locator('tr', { hasText: rule }).first();
  const minute = '\\d{4}-\\d{2}-\\d{2}T\\d{2}%3A\\d{2}';
  await expect(event.getByRole('link', { name: 'Chart' })).toHaveAttribute(
    'href', new RegExp(`^/performance\\?service=${service}&range=custom&from=${minute}&to=${minute}$`));
  await expect(event.getByRole('link', { name: 'Notifications' })).toHaveAttribute(
    'href', /^\/alerts\/rules\/\d+#notifications$/);
  await expect(event.getByRole('link', { name: 'Audit' })).toHaveCount(0);

  // A manager reads the audit log: the same event links to the rule's audit trail.
  await page.context().clearCookies();
  await signIn(page, 'manager');
  await page.goto('/alerts');
  const managers = page.getByTestId('alert-events').locator('tr', { hasText: rule }).first();
  await expect(managers.getByRole('link', { name: 'Audit' })).toHaveAttribute(
    'href', /^\/audit\?target_type=alert_rule&target_id=\d+$/);
});

test('a field error is shown beside its field and nothing is lost', async ({ page }) => {
  await signIn(page, 'operator');
  await page.goto('/alerts/rules/new');
  await page.getByLabel('Name', { exact: true }).fill('Typed before the mistake');
  await page.getByLabel('Service', { exact: true }).fill('checkout');
  await page.getByLabel('Threshold', { exact: true }).fill('a lot');
  await page.getByRole('button', { name: 'Save rule' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Enter a number' })).toBeVisible();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Typed before the mistake');
  await expect(page.getByLabel('Threshold', { exact: true })).toHaveValue('a lot');
});

test('managers read alerts without editing; viewers have no Alerts area', async ({ page }) => {
  await signIn(page, 'manager');
  await page.goto('/alerts/rules');
  await expect(page.getByTestId('alert-rules')).toContainText('Postgres down');
  await expect(page.getByRole('link', { name: 'New rule' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^(Enable|Disable)/ })).toHaveCount(0);
});
