// Alert rules on errors in the editor: choosing "Error events" shows the
// issue field (and hides endpoint, metric, matchers and the log query)
// without JavaScript too; an issue that is not a number is refused beside
// its field and kept as typed, even with markup in it; the backtest counts
// the issue's events sent as a Sentry SDK sends them; the saved rule keeps
// its issue, and its events link to the issue.
const fs = require('fs');
const { test, expect, signIn } = require('./fixtures');
const { errorsDsnFile } = require('../e2e-env');

// Letters only: grouping replaces digits, so each run's issue differs in letters.
const letters = (n) => n.toString(36).replace(/[0-9]/g, (d) => 'abcdefghij'[d]);

// Four events of one new issue, 20 minutes ago, through the legacy store endpoint.
async function sendEvents(request, word) {
  const dsn = new URL(fs.readFileSync(errorsDsnFile, 'utf8').trim());
  const project = dsn.pathname.replace(/\//g, '');
  const at = Date.now() / 1000 - 20 * 60;
  for (let n = 0; n < 4; n += 1) {
    const sent = await request.post(`/api/${project}/store/`, {
      headers: { 'X-Sentry-Auth': `Sentry sentry_key=${dsn.username}, sentry_version=7` },
      data: {
        event_id: crypto.randomUUID().replace(/-/g, ''),
        timestamp: at + n,
        level: 'error',
        exception: { values: [{ type: 'RangeError', value: `stock ${word} below zero`, stacktrace: { frames: [
          { filename: '/srv/shop/stock.js', module: 'stock', function: `reserve_${word}`, lineno: 7, in_app: true },
        ] } }] },
      },
    });
    expect(sent.status()).toBe(200);
  }
}

test('an operator writes an error rule for one issue, sees a bad issue refused, backtests and saves it', async ({ page, request }, testInfo) => {
  const word = `stockword${letters(Date.now())}${letters(Math.floor(Math.random() * 1e9))}`;
  const rule = `Stock errors ${word}`;
  await sendEvents(request, word);

  await signIn(page, 'operator');
  await page.goto(`/errors?q=${encodeURIComponent(word)}`);
  const href = await page.getByRole('link', { name: `RangeError: stock ${word} below zero` }).getAttribute('href');
  const issue = href.match(/\/errors\/issues\/(\d+)/)[1];

  await page.goto('/alerts/rules/new');
  const issueField = page.getByLabel('Issue (optional)');
  await expect(issueField).toBeHidden();
  await page.getByLabel('Name', { exact: true }).fill(rule);
  await page.getByLabel('Service', { exact: true }).fill('e2e-shop');
  await page.getByLabel('Aggregation').selectOption('error_events');
  await expect(issueField).toBeVisible();
  await expect(page.getByLabel('Endpoint', { exact: true })).toBeHidden();
  await expect(page.getByLabel('Metric', { exact: true })).toBeHidden();
  await expect(page.getByLabel('Label matchers')).toBeHidden();
  await expect(page.getByLabel('Log query')).toBeHidden();
  await page.getByLabel('Window (minutes)').fill('5');
  await page.getByLabel('Threshold', { exact: true }).fill('3');
  await page.getByLabel('For (minutes)').fill('0');

  // Not a number, with markup in it: refused beside the field, kept as typed.
  const markup = '</textarea><script>window.injected = 1</script> "';
  await issueField.fill(markup);
  await page.getByRole('button', { name: 'Save rule' }).click();
  await expect(page.getByRole('alert').filter({ hasText: "An issue's number" })).toBeVisible();
  await expect(page.getByLabel('Issue (optional)')).toHaveValue(markup);
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(rule);
  expect(await page.evaluate(() => window.injected)).toBeUndefined();

  // The backtest over the events sent: four in one minute, above 3 once.
  await page.getByLabel('Issue (optional)').fill(`#${issue}`);
  await page.getByLabel('Preview and backtest over').selectOption('6');
  await page.getByRole('button', { name: 'Preview and backtest' }).click();
  await expect(page.getByTestId('backtest-summary')).toContainText('would have fired 1 time.');

  for (const theme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: theme });
    await page.getByTestId('rule-form').screenshot({ path: testInfo.outputPath(`error-rule-${theme}.png`) });
  }

  await page.getByRole('button', { name: 'Save rule' }).click();
  await expect(page).toHaveURL(/\/alerts\/rules\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: rule })).toBeVisible();
  await expect(page.getByLabel('Aggregation')).toHaveValue('error_events');
  await expect(page.getByLabel('Issue (optional)')).toHaveValue(issue);
});
