// Log-based alert rules in the editor: choosing "Matching log lines" shows
// the log query field (and hides endpoint, metric and matchers) without
// JavaScript too; a query that does not read is refused with its position
// and kept as typed, even with markup in it; the backtest counts lines sent
// through the NDJSON door; the saved rule keeps its query.
const fs = require('fs');
const { test, expect, signIn } = require('./fixtures');
const { logsKeyFile } = require('../e2e-env');

// Three "payment timeout" errors a minute from 30 to 26 minutes ago, and a
// line that does not match every minute of the last 40.
async function sendLines(request, service) {
  const key = fs.readFileSync(logsKeyFile, 'utf8').trim();
  const lines = [];
  for (let minute = 40; minute >= 0; minute -= 1) {
    const ts = (seconds) => new Date(Date.now() - minute * 60_000 - seconds * 1000).toISOString();
    lines.push({ ts: ts(5), service, level: 'info', message: 'request served' });
    if (minute <= 30 && minute >= 26) {
      for (const seconds of [10, 20, 30]) lines.push({ ts: ts(seconds), service, level: 'error', message: 'payment timeout' });
    }
  }
  const body = lines.map((line) => JSON.stringify(line)).join('\n');
  const sent = await request.post('/api/v1/logs', {
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-ndjson' },
    data: body,
  });
  expect(sent.status()).toBe(202);
}

test('an operator writes a log rule, sees a bad query refused where it is wrong, backtests and saves it', async ({ page, request }, testInfo) => {
  const suffix = `${testInfo.project.name}-${Date.now()}`;
  const service = `e2e-logrule-${suffix}`;
  const rule = `Timeouts ${suffix}`;
  await sendLines(request, service);

  await signIn(page, 'operator');
  await page.goto('/alerts/rules/new');
  const query = page.getByLabel('Log query');
  // A request rule (the default) has no log query field to fill.
  await expect(query).toBeHidden();
  await expect(page.getByLabel('Endpoint', { exact: true })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill(rule);
  await page.getByLabel('Service', { exact: true }).fill(service);
  await page.getByLabel('Aggregation').selectOption('log_lines');
  await expect(query).toBeVisible();
  await expect(page.getByLabel('Endpoint', { exact: true })).toBeHidden();
  await expect(page.getByLabel('Metric', { exact: true })).toBeHidden();
  await expect(page.getByLabel('Label matchers')).toBeHidden();
  await expect(page.getByLabel('Without data')).toBeHidden();
  await page.getByLabel('Window (minutes)').fill('5');
  await page.getByLabel('Threshold', { exact: true }).fill('9');
  await page.getByLabel('For (minutes)').fill('0');

  // A query that does not read: the parser's message with its position, the text kept.
  await query.fill('timeout "gateway');
  await page.getByRole('button', { name: 'Save rule' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'This query cannot be read: unbalanced quote at 8' })).toBeVisible();
  await expect(page.getByLabel('Log query')).toHaveValue('timeout "gateway');
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(rule);

  // Markup in the query comes back as the text typed, never as markup.
  const markup = '</textarea><script>window.injected = 1</script> "';
  await page.getByLabel('Log query').fill(markup);
  await page.getByRole('button', { name: 'Save rule' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'This query cannot be read' })).toBeVisible();
  await expect(page.getByLabel('Log query')).toHaveValue(markup);
  expect(await page.evaluate(() => window.injected)).toBeUndefined();

  // The backtest over the lines sent: three a minute for five minutes.
  await page.getByLabel('Log query').fill('timeout level>=error');
  await page.getByLabel('Preview and backtest over').selectOption('6');
  await page.getByRole('button', { name: 'Preview and backtest' }).click();
  await expect(page.getByTestId('backtest-summary')).toContainText('would have fired 1 time.');
  await expect(page.locator('rect.firing-band')).toHaveCount(1);
  await expect(page.getByLabel('Log query')).toHaveValue('timeout level>=error');
  // The lines it counts, on the Logs page.
  await expect(page.getByTestId('logs-link')).toHaveAttribute(
    'href', `/logs?q=service%3A${service}%20timeout%20level%3E%3Derror&range=1h`);

  for (const theme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: theme });
    await page.getByTestId('rule-form').screenshot({ path: testInfo.outputPath(`log-rule-${theme}.png`) });
  }

  await page.getByRole('button', { name: 'Save rule' }).click();
  await expect(page).toHaveURL(/\/alerts\/rules\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: rule })).toBeVisible();
  await expect(page.getByLabel('Aggregation')).toHaveValue('log_lines');
  await expect(page.getByLabel('Log query')).toHaveValue('timeout level>=error');
});
