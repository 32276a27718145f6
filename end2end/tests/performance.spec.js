// The Performance page and the Overview's service tiles, fed through the real
// ingest API: the key numbers are server-rendered text (with and without
// JavaScript), the charts draw with JavaScript, and the time range changes
// what is counted.
const fs = require('fs');
const { test, expect, signIn } = require('./fixtures');
const { ingestKeyFile } = require('../e2e-env');

// Each project (js, no-js) sends its own copy of the data, so the counts
// stay exact however the two projects interleave.
let SERVICE = 'e2e-shop';
const RECENT = 5; // at now − 10 and now − 1 min: inside "Last 15 minutes"
const OLDER = 3; // at now − 2 days: only inside "Last 7 days"

test.beforeAll(async ({ request }, testInfo) => {
  SERVICE = testInfo.project.name === 'js' ? 'e2e-shop' : `e2e-shop-${testInfo.project.name}`;
  const key = fs.readFileSync(ingestKeyFile, 'utf8').trim();
  const at = (minutesAgo) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const event = (endpoint, status, duration_ms, ts) => ({ service: SERVICE, endpoint, method: 'GET', status, duration_ms, ts });
  const requests = [
    event('/checkout', 200, 120, at(10)),
    event('/checkout', 500, 480, at(10)),
    event('/cart', 200, 20, at(10)),
    event('/cart', 200, 30, at(10)),
    event('/cart', 200, 40, at(1)), // inside the Overview's last 5 minutes
    event('/cart', 200, 25, at(2 * 24 * 60)),
    event('/cart', 200, 35, at(2 * 24 * 60)),
    event('/search', 200, 60, at(2 * 24 * 60)),
  ];
  // Every worker of a project runs this; the idempotency key (claimed in the
  // same transaction as the records) stores the batch exactly once per run.
  const response = await request.post('/api/v1/ingest', {
    headers: { Authorization: `Bearer ${key}`, 'Idempotency-Key': `e2e-performance-${SERVICE}` },
    data: { requests, samples: [] },
  });
  expect(response.status()).toBe(202);
});

test('the Performance page shows the key numbers as text and the range changes them', async ({ page }) => {
  await signIn(page, 'viewer');
  await page.goto(`/performance?service=${SERVICE}&range=15m`);
  await expect(page).toHaveTitle('Performance · Opsdeck');
  const numbers = page.getByTestId('key-numbers');
  await expect(numbers.getByTestId('requests')).toHaveText(String(RECENT));
  await expect(numbers.getByTestId('error-rate')).toHaveText('20.0 %');
  await expect(numbers.getByText('P95')).toBeVisible();
  await expect(page.getByTestId('slowest-endpoints').getByRole('link', { name: '/checkout' })).toBeVisible();
  await expect(page.getByTestId('failing-endpoints').getByRole('link', { name: '/checkout' })).toBeVisible();

  // The picker is a GET form: it works with and without JavaScript.
  await page.getByLabel('Time range').selectOption('7d');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/range=7d/);
  await expect(page.getByTestId('requests')).toHaveText(String(RECENT + OLDER));
  await expect(page.getByRole('heading', { name: `${SERVICE} · Last 7 days` })).toBeVisible();
});

test('with JavaScript the charts draw; without it the page still has the numbers', async ({ page, jsEnabled }) => {
  await signIn(page, 'manager');
  await page.goto(`/performance?service=${SERVICE}&range=1h`);
  const charts = page.getByTestId('chart');
  await expect(charts).toHaveCount(3);
  if (jsEnabled) {
    for (const chart of await charts.all()) {
      await expect(chart.locator('canvas').first()).toBeVisible();
    }
    await expect(page.getByRole('checkbox', { name: 'Live' })).toBeVisible();
  } else {
    await expect(page.locator('canvas')).toHaveCount(0);
    await expect(page.getByRole('checkbox', { name: 'Live' })).toHaveCount(0);
    await expect(page.getByTestId('requests')).toHaveText(String(RECENT));
  }
});

test('a range without data shows the empty state instead of charts', async ({ page }) => {
  await signIn(page, 'viewer');
  const from = new Date(Date.now() - 80 * 24 * 3600_000).toISOString().slice(0, 16);
  const to = new Date(Date.now() - 79 * 24 * 3600_000).toISOString().slice(0, 16);
  await page.goto(`/performance?service=${SERVICE}&range=custom&from=${from}&to=${to}`);
  await expect(page.getByTestId('no-requests')).toBeVisible();
  await expect(page.getByText('No data in this time range').first()).toBeVisible();
  await expect(page.locator('canvas')).toHaveCount(0);
});

test('a bad custom range is explained', async ({ page }) => {
  await signIn(page, 'viewer');
  await page.goto('/performance?range=custom&from=2026-01-02T00:00&to=2026-01-01T00:00');
  await expect(page.getByRole('alert')).toContainText('to: Must be after "from"');
});

test('the Overview shows a tile for each service that links to its Performance page', async ({ page }) => {
  await signIn(page, 'viewer');
  await page.goto('/');
  const tile = page.getByRole('article', { name: SERVICE });
  await expect(tile).toBeVisible();
  await expect(tile.getByText(/req\/s$/)).toBeVisible();
  await tile.getByRole('link', { name: SERVICE }).click();
  await expect(page).toHaveURL(new RegExp(`/performance\\?service=${SERVICE}$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Performance' })).toBeVisible();
});

test('the Live toggle streams new minutes into the charts without a reload', async ({ page, request, jsEnabled }) => {
  test.skip(!jsEnabled, 'live updates need JavaScript');
  const service = `e2e-live-${Date.now()}`;
  const key = fs.readFileSync(ingestKeyFile, 'utf8').trim();
  const send = async (minutesAgo) => {
    const ts = new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const response = await request.post('/api/v1/ingest', {
      headers: { Authorization: `Bearer ${key}` },
      data: { requests: [{ service, endpoint: '/live', method: 'GET', status: 200, duration_ms: 42, ts }] },
    });
    expect(response.status()).toBe(202);
  };
  await send(6);
  await send(4);

  await signIn(page, 'viewer');
  await page.goto(`/performance?service=${service}&range=15m`);
  const points = () =>
    page.evaluate(() => {
      const chart = window.echarts?.getInstanceByDom(document.getElementById('throughput-chart'));
      return chart ? chart.getOption().series[0].data.length : -1;
    });
  await expect.poll(points).toBe(2);

  await page.getByRole('checkbox', { name: 'Live' }).check();
  await expect(page.getByText('Streaming new minutes')).toBeVisible();
  // A reload would drop this marker.
  await page.evaluate(() => { window.stillTheSamePage = true; });
  await send(0);
  await expect.poll(points).toBe(3);
  expect(await page.evaluate(() => window.stillTheSamePage)).toBe(true);

  // Off, the charts stay as they are.
  await page.getByRole('checkbox', { name: 'Live' }).uncheck();
  await expect(page.getByText('Streaming new minutes')).toHaveCount(0);
  await send(2);
  await page.waitForTimeout(1500);
  expect(await points()).toBe(3);
});
