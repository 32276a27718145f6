// Notification channels in the browser: an admin adds a webhook channel
// pointing at a local receiver, sees its secret once, sends a test whose
// signature the receiver checks with that secret; a rule naming the channel
// fires and its page shows the delivery; operators have no channel page.
const crypto = require('crypto');
const http = require('http');
const { test, expect, signIn } = require('./fixtures');

/** A local webhook receiver keeping every request's headers and raw body. */
async function startReceiver() {
  const got = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { got, server, url: `http://127.0.0.1:${server.address().port}/hook` };
}

function signatureIsValid(request, secret) {
  const timestamp = request.headers['x-opsdeck-timestamp'];
  const mac = crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(request.body).digest('hex');
  return request.headers['x-opsdeck-signature'] === `sha256=${mac}`;
}

test('an admin adds a channel, tests it, and a firing rule delivers to it', async ({ page, jsEnabled }, testInfo) => {
  test.skip(!jsEnabled, 'A new channel shows its secret in place, which needs JavaScript');
  const receiver = await startReceiver();
  const name = `hook-${testInfo.project.name}-${Date.now()}`.toLowerCase();
  try {
    await signIn(page, 'admin');
    await page.goto('/alerts');
    await page.getByRole('link', { name: 'Notification channels' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Notification channels' })).toBeVisible();

    // A mistake is named beside its field and loses nothing.
    await page.getByLabel('Name').fill('Not A Name');
    await page.getByLabel('Address').fill(receiver.url);
    await page.getByRole('button', { name: 'Add channel' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'lowercase letters' })).toBeVisible();
    await expect(page.getByLabel('Address')).toHaveValue(receiver.url);

    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Repeat while firing (minutes)').fill('0');
    await page.getByRole('button', { name: 'Add channel' }).click();
    const secret = (await page.getByTestId('channel-secret').locator('code').textContent()).trim();
    expect(secret).toMatch(/^whsec_/);
    const row = page.locator(`[data-testid="channel"][data-name="${name}"]`);
    await expect(row).toContainText(receiver.url);

    await row.getByRole('button', { name: 'Send test notification' }).click();
    await expect(page.getByTestId('test-result')).toContainText('Test notification delivered');
    await expect(page.getByTestId('test-result')).toContainText('HTTP 204');
    expect(receiver.got).toHaveLength(1);
    expect(signatureIsValid(receiver.got[0], secret)).toBe(true);
    expect(JSON.parse(receiver.got[0].body.toString()).kind).toBe('test');

    // A rule that fires at once (throughput is never below zero) and names the channel.
    const rule = `Delivers ${name}`;
    await page.goto('/alerts/rules/new');
    await page.getByLabel('Name', { exact: true }).fill(rule);
    await page.getByLabel('Service', { exact: true }).fill(`e2e-${name}`);
    await page.getByLabel('Aggregation').selectOption('throughput');
    await page.getByLabel('Fires when the value is').selectOption('>=');
    await page.getByLabel('Threshold', { exact: true }).fill('0');
    await page.getByLabel('For (minutes)').fill('0');
    await page.getByLabel('Notify channels').fill(name);
    await page.getByLabel('Enabled').check();
    await page.getByRole('button', { name: 'Save rule' }).click();
    await expect(page).toHaveURL(/\/alerts\/rules\/\d+$/);

    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId('deliveries').getByTestId('delivery-state').first()).toHaveText('delivered', { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    await expect(page.getByTestId('deliveries')).toContainText(name);
    await expect(page.getByTestId('deliveries')).toContainText('firing');
    const fired = receiver.got.map((r) => JSON.parse(r.body.toString())).find((b) => b.kind === 'transition');
    expect(fired.rule.name).toBe(rule);
    expect(fired.state).toBe('firing');

    // Disable the rule again so it does not keep firing for other tests.
    await page.getByRole('button', { name: 'Disable rule' }).click();
    await expect(page.getByRole('button', { name: 'Enable rule' })).toBeVisible();
  } finally {
    receiver.server.close();
  }
});

test('operators edit rules but cannot reach notification channels', async ({ page }) => {
  await signIn(page, 'operator');
  await page.goto('/alerts');
  await expect(page.getByRole('link', { name: 'Notification channels' })).toHaveCount(0);
  const response = await page.goto('/alerts/channels');
  expect(response.status()).toBe(403);
});

test('an admin schedules a weekly report to a channel and sends it now', async ({ page }, testInfo) => {
  const receiver = await startReceiver();
  const name = `reports-${testInfo.project.name}-${Date.now()}`.toLowerCase();
  const service = `svc "<script>x</script>" ${name}`;
  try {
    await signIn(page, 'admin');
    await page.goto('/alerts/channels');
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Address').fill(receiver.url);
    await page.getByLabel('Repeat while firing (minutes)').fill('0');
    await page.getByRole('button', { name: 'Add channel' }).click();
    await expect(page.locator(`[data-testid="channel"][data-name="${name}"]`)).toBeVisible();

    await page.goto('/reports');
    await page.getByRole('link', { name: 'Scheduled reports' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Scheduled reports' })).toBeVisible();
    await page.getByLabel('Channel', { exact: true }).selectOption({ label: name });
    await page.getByLabel('Covers').selectOption('week');
    await page.getByLabel('Service', { exact: true }).fill(service);
    // A mistake is named beside its field and loses nothing.
    await page.getByLabel('Schedule (cron, UTC)').fill('every monday');
    await page.getByRole('button', { name: 'Add schedule' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'cron expression' })).toBeVisible();
    await expect(page.getByLabel('Service', { exact: true })).toHaveValue(service);
    await expect(page.getByLabel('Covers')).toHaveValue('week');

    await page.getByLabel('Schedule (cron, UTC)').fill('0 8 * * 1');
    await page.getByRole('button', { name: 'Add schedule' }).click();
    const row = page.getByTestId('report-schedule').filter({ hasText: name });
    await expect(row).toContainText('The last 7 days');
    await expect(row).toContainText(service);
    await row.getByRole('button', { name: 'Send now' }).click();
    await expect.poll(() => receiver.got.length, { timeout: 20_000 }).toBe(1);
    const body = JSON.parse(receiver.got[0].body.toString());
    expect(body.kind).toBe('report');
    expect(body.title).toMatch(/^Weekly summary · /);
    expect(body.report.service).toBe(service);

    await row.getByText('Delete…').click();
    await row.getByRole('button', { name: 'Delete schedule' }).click();
    await expect(row).toHaveCount(0);
  } finally {
    receiver.server.close();
  }
});
