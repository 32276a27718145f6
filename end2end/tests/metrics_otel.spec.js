// Metrics from a real OpenTelemetry client: otel/metered-server.js, a small
// web service measured with the official Node.js metrics SDK, sends its
// cumulative metrics to the test server's /v1/metrics (protobuf with gzip).
// Its `http.server.request.duration` histogram counts its requests on the
// Performance page (each export adding only what is new since the last),
// and its gauge reaches the alert rule editor's preview and backtest.
//
// Each test starts its own service under a name unique to the run and the
// project (js, no-js), so counts stay exact while the projects interleave.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { test, expect, signIn } = require('./fixtures');
const { startOtelServer } = require('./otel_servers');
const { baseURL, ingestKeyFile } = require('../e2e-env');

const SCRIPT = path.join(__dirname, '..', 'otel', 'metered-server.js');
const ORDERS = '/orders/{id}';

const uniqueService = (testInfo, what) =>
  `otelm-${what}-${testInfo.project.name}-${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;

const running = [];

test.afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

async function startMeteredServer(service) {
  const key = fs.readFileSync(ingestKeyFile, 'utf8').trim();
  return startOtelServer(SCRIPT, ['--url', baseURL, '--key', key, '--service', service], running);
}

// Opens `url` until `ready` passes: stored data may take a moment to show.
async function openUntil(page, url, ready) {
  await expect(async () => {
    await page.goto(url);
    await ready();
  }).toPass({ timeout: 20_000 });
}

const endpointCells = (page, endpoint) =>
  page
    .getByTestId('slowest-endpoints')
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: endpoint, exact: true }) })
    .locator('td');

test('an SDK\'s request duration histogram counts requests on the Performance page', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const service = uniqueService(testInfo, 'orders');
  const app = await startMeteredServer(service);
  for (let n = 1; n <= 6; n += 1) expect(await app.get(`/orders/${n}`)).toBe(200);
  for (let n = 0; n < 2; n += 1) expect(await app.get('/fail')).toBe(500);
  await app.flushed();

  await signIn(page, 'manager');
  const url = `/performance?service=${encodeURIComponent(service)}&range=1h`;
  await openUntil(page, url, async () => {
    await expect(page.getByTestId('requests')).toHaveText('8', { timeout: 1_000 });
  });
  await expect(page.getByTestId('error-rate')).toHaveText('25.0 %');
  await expect(endpointCells(page, ORDERS).nth(1)).toHaveText('6');
  await expect(endpointCells(page, '/fail').nth(1)).toHaveText('2');
  await expect(endpointCells(page, '/fail').nth(2)).toHaveText('100.0 %');
  // Percentiles come from the buckets (requests take 5–21 ms here).
  const p99 = (await endpointCells(page, ORDERS).nth(5).textContent()).trim();
  expect(p99).toMatch(/^\d+(\.\d+)? ms$/);
  expect(parseFloat(p99)).toBeGreaterThan(0);
  expect(parseFloat(p99)).toBeLessThanOrEqual(100);

  // The SDK exports cumulative totals: the next export adds only the 4 new requests.
  for (let n = 7; n <= 10; n += 1) expect(await app.get(`/orders/${n}`)).toBe(200);
  await app.flushed(2);
  await openUntil(page, url, async () => {
    await expect(page.getByTestId('requests')).toHaveText('12', { timeout: 1_000 });
  });
  await expect(endpointCells(page, ORDERS).nth(1)).toHaveText('10');
  await expect(page.getByTestId('error-rate')).toHaveText('16.7 %');
});

test('an SDK\'s gauge is a metric an alert rule previews and backtests', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const service = uniqueService(testInfo, 'queue');
  const app = await startMeteredServer(service);
  expect(await app.get('/orders/1')).toBe(200);
  await app.flushed();

  await signIn(page, 'operator');
  await page.goto('/alerts/rules/new');
  await expect(page.getByRole('heading', { level: 1, name: 'New alert rule' })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill(`Queue ${service}`);
  await page.getByLabel('Service', { exact: true }).fill(service);
  await page.getByLabel('Aggregation').selectOption('avg');
  await page.getByLabel('Metric', { exact: true }).fill('queue.depth');
  await page.getByLabel('Window (minutes)').fill('5');
  await page.getByLabel('Threshold', { exact: true }).fill('2');
  await page.getByLabel('For (minutes)').fill('0');
  await page.getByLabel('Preview and backtest over').selectOption('6');
  await page.getByRole('button', { name: 'Preview and backtest' }).click();
  // The gauge (3 jobs) is above 2 from its first sample on.
  const preview = page.getByTestId('rule-preview');
  await expect(preview).toContainText(/[1-9]\d* of \d+ points have data/);
  await expect(page.getByTestId('backtest-summary')).toContainText('would have fired 1 time.');
});
