// Traces from a real OpenTelemetry client: otel/traced-server.js, a small web
// service traced with the official Node.js SDK, sends its spans to the test
// server's /v1/traces (protobuf with gzip, or JSON). Its SERVER spans become
// request events (the Performance page counts them per route), the slowest
// traces of an endpoint link to the trace page, and the trace page shows the
// span tree with each span's attributes and events. Only admin, operator and
// support read traces.
//
// Each test starts its own traced service under a name unique to the run and
// the project (js, no-js), so counts stay exact while the projects interleave.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { test, expect, signIn } = require('./fixtures');
const { startOtelServer } = require('./otel_servers');
const { baseURL, ingestKeyFile } = require('../e2e-env');

const SCRIPT = path.join(__dirname, '..', 'otel', 'traced-server.js');
const ORDERS = '/orders/{id}';

const uniqueService = (testInfo, what) =>
  `otel-${what}-${testInfo.project.name}-${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
const randomTraceId = () => crypto.randomBytes(16).toString('hex');
const performanceURL = (service, endpoint) =>
  `/performance?service=${encodeURIComponent(service)}${endpoint ? `&endpoint=${encodeURIComponent(endpoint)}` : ''}&range=1h`;

// The traced services a test started; each is stopped after its test.
const running = [];

test.afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

// Starts otel/traced-server.js exporting to the test server as `service`
// (with the OTLP/JSON exporter when `json`), once it says it listens.
async function startTracedServer(service, { json = false } = {}) {
  const key = fs.readFileSync(ingestKeyFile, 'utf8').trim();
  const args = ['--url', baseURL, '--key', key, '--service', service, ...(json ? ['--json'] : [])];
  const server = await startOtelServer(SCRIPT, args, running);
  return Object.assign(server, {
    // The trace ids of the SERVER spans, in the order of the requests.
    async traceIds() {
      return (await fetch(`${server.base}/trace-ids`)).json();
    },
  });
}

// Opens `url` until `ready` passes: stored data may take a moment to show.
async function openUntil(page, url, ready) {
  await expect(async () => {
    await page.goto(url);
    await ready();
  }).toPass({ timeout: 20_000 });
}

// Opens a span row's details (only if closed: a click before hydration can
// be undone by it) until `text` shows in them; returns the details.
async function openDetails(row, text) {
  const details = row.locator('details').first();
  await expect(async () => {
    if (!(await details.evaluate((d) => d.open))) await details.locator('summary').first().click();
    await expect(details.getByText(text).first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  return details;
}

// The row of `endpoint` in one of the Performance page's endpoint tables.
const endpointRow = (page, table, endpoint) =>
  page.getByTestId(table).getByRole('row').filter({ has: page.getByRole('link', { name: endpoint, exact: true }) });

const spanRow = (page, depth) => page.locator(`tr[data-testid="span"][data-depth="${depth}"]`);

test('SDK spans count on the Performance page and the slowest trace opens as a span tree', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  const service = uniqueService(testInfo, 'orders');
  const app = await startTracedServer(service);
  for (let n = 1; n <= 5; n += 1) expect(await app.get(`/orders/${n}`)).toBe(200);
  for (let n = 0; n < 2; n += 1) expect(await app.get('/fail')).toBe(500);
  await app.flushed();
  const ids = await app.traceIds();
  expect(ids).toHaveLength(7);
  const orderTraces = ids.slice(0, 5);

  await signIn(page, 'operator');
  // Seven SERVER spans, two of them 500s; the CLIENT spans are no requests.
  await openUntil(page, performanceURL(service), async () => {
    await expect(page.getByTestId('requests')).toHaveText('7', { timeout: 1_000 });
  });
  await expect(page.getByTestId('error-rate')).toHaveText('28.6 %');
  // Columns: endpoint, requests, error rate, P50, P95, P99.
  const orders = endpointRow(page, 'slowest-endpoints', ORDERS).locator('td');
  await expect(orders.nth(1)).toHaveText('5');
  await expect(orders.nth(2)).toHaveText('0.0 %');
  const fail = endpointRow(page, 'slowest-endpoints', '/fail').locator('td');
  await expect(fail.nth(1)).toHaveText('2');
  await expect(fail.nth(2)).toHaveText('100.0 %');
  const failing = endpointRow(page, 'failing-endpoints', '/fail').locator('td');
  await expect(failing.nth(1)).toHaveText('2');
  await expect(failing.nth(2)).toHaveText('100.0 %');
  await expect(endpointRow(page, 'failing-endpoints', ORDERS)).toHaveCount(0);

  // The endpoint's page lists its traces, slowest first, by duration.
  await endpointRow(page, 'slowest-endpoints', ORDERS).getByRole('link', { name: ORDERS, exact: true }).click();
  await expect(page.getByRole('heading', { name: `${service} ${ORDERS}` })).toBeVisible();
  const traces = page.getByTestId('slowest-traces');
  await expect(traces.getByRole('heading', { level: 2, name: 'Slowest traces' })).toBeVisible();
  const links = traces.getByRole('link');
  await expect(links).toHaveCount(5);
  const hrefs = await links.evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href')));
  expect(hrefs.map((href) => href.replace(/^\/traces\//, '')).sort()).toEqual([...orderTraces].sort());
  const durations = (await links.allTextContents()).map((text) => {
    expect(text.trim()).toMatch(/^\d+(\.\d+)? ms$/);
    return parseFloat(text);
  });
  expect(durations).toEqual([...durations].sort((a, b) => b - a));

  await links.first().click();
  const id = hrefs[0].replace(/^\/traces\//, '');
  await expect(page).toHaveURL(new RegExp(`/traces/${id}$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Trace' })).toBeVisible();
  await expect(page.getByTestId('trace-id')).toHaveText(id);
  const table = page.getByRole('table', { name: 'Spans of the trace' });
  await expect(table.getByTestId('span')).toHaveCount(2);
  const root = spanRow(page, 0);
  await expect(root).toHaveCount(1);
  await expect(root).toContainText(`GET ${ORDERS}`);
  await expect(root).toContainText(service);
  await expect(root).toContainText(/\d ms/);
  await expect(root).toHaveAttribute('data-status', 'unset');
  const query = spanRow(page, 1);
  await expect(query).toHaveCount(1);
  await expect(query).toContainText('SELECT orders');
  await expect(query).toContainText(service);
  await expect(query).toContainText(/\d ms/);
  // A span's details: its attributes, and the server span's event.
  const queryDetails = await openDetails(query, 'postgresql');
  await expect(queryDetails).toContainText('db.system.name');
  await expect(queryDetails).toContainText('SELECT * FROM orders WHERE id = $1');
  const rootDetails = await openDetails(root, 'order loaded');
  await expect(rootDetails).toContainText('http.route');
  await expect(page.getByRole('link', { name: 'Logs of this trace' })).toHaveAttribute('href', `/logs/trace?id=${id}`);
});

test('spans sent as OTLP/JSON show on the trace page, which links to the trace\'s logs', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  const service = uniqueService(testInfo, 'json');
  const app = await startTracedServer(service, { json: true });
  expect(await app.get('/orders/42')).toBe(200);
  await app.flushed();
  const [id] = await app.traceIds();
  expect(id).toMatch(/^[0-9a-f]{32}$/);

  await signIn(page, 'support');
  await openUntil(page, `/traces/${id}`, async () => {
    await expect(page.getByTestId('span')).toHaveCount(2, { timeout: 1_000 });
  });
  await expect(page.getByTestId('trace-id')).toHaveText(id);
  await expect(spanRow(page, 0)).toContainText(`GET ${ORDERS}`);
  await expect(spanRow(page, 0)).toContainText(service);
  await expect(spanRow(page, 1)).toContainText('SELECT orders');
  await page.getByRole('link', { name: 'Logs of this trace' }).click();
  await expect(page).toHaveURL(new RegExp(`/logs/trace\\?id=${id}$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Lines of a trace' })).toBeVisible();
});

test('a failed request\'s trace marks its span as an error with the message', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  const service = uniqueService(testInfo, 'fail');
  const app = await startTracedServer(service);
  expect(await app.get('/fail')).toBe(500);
  await app.flushed();
  const [id] = await app.traceIds();

  await signIn(page, 'admin');
  await openUntil(page, `/traces/${id}`, async () => {
    await expect(page.getByTestId('span')).toHaveCount(1, { timeout: 1_000 });
  });
  const root = spanRow(page, 0);
  await expect(root).toContainText('GET /fail');
  await expect(root).toHaveAttribute('data-status', 'error');
  await openDetails(root, 'payment backend refused');
});

// Request events sent through the JSON ingest API: an endpoint with requests
// but no traces.
async function seedUntraced(request, service) {
  const key = fs.readFileSync(ingestKeyFile, 'utf8').trim();
  const ts = new Date(Date.now() - 60_000).toISOString();
  const response = await request.post('/api/v1/ingest', {
    headers: { Authorization: `Bearer ${key}` },
    data: { requests: [{ service, endpoint: ORDERS, method: 'GET', status: 200, duration_ms: 12, ts }] },
  });
  expect(response.status()).toBe(202);
}

test('an endpoint without traces says so', async ({ page, request }, testInfo) => {
  const service = uniqueService(testInfo, 'untraced');
  await seedUntraced(request, service);
  await signIn(page, 'admin');
  await openUntil(page, performanceURL(service, ORDERS), async () => {
    await expect(page.getByTestId('requests')).toHaveText('1', { timeout: 1_000 });
  });
  const traces = page.getByTestId('slowest-traces');
  await expect(traces.getByRole('heading', { level: 2, name: 'Slowest traces' })).toBeVisible();
  await expect(traces).toContainText('No traces of this endpoint in this range.');
  await expect(traces.getByRole('link')).toHaveCount(0);
});

for (const role of ['manager', 'viewer']) {
  test(`a ${role} sees Performance without traces and is refused the trace page`, async ({ page, request }, testInfo) => {
    const service = uniqueService(testInfo, role);
    await seedUntraced(request, service);
    await signIn(page, role);
    await openUntil(page, performanceURL(service, ORDERS), async () => {
      await expect(page.getByTestId('requests')).toHaveText('1', { timeout: 1_000 });
    });
    await expect(page.getByRole('heading', { name: `${service} ${ORDERS}` })).toBeVisible();
    await expect(page.getByTestId('slowest-traces')).toHaveCount(0);
    await expect(page.getByText('Slowest traces')).toHaveCount(0);
    const response = await page.goto(`/traces/${randomTraceId()}`);
    expect(response.status()).toBe(403);
    await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
  });
}

test('an unknown trace id and a malformed one answer 404', async ({ page }) => {
  await signIn(page, 'support');
  const unknown = await page.goto(`/traces/${randomTraceId()}`);
  expect(unknown.status()).toBe(404);
  await expect(page.getByText('No spans of this trace are stored').first()).toBeVisible();
  for (const malformed of ['not-a-trace-id', '0123456789abcdef0123456789abcde']) {
    const response = await page.goto(`/traces/${malformed}`);
    expect(response.status(), malformed).toBe(404);
  }
});
