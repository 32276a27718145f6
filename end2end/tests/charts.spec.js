// Charts and the Performance filter (issue 13, items 4, 6, 7 and 8): tooltips
// that pass the strict CSP and carry units, the server's drawing and text
// summary for readers without JavaScript, the dark theme's colours, the
// filter's fields and URL, the skip link after hydration, and ECharts loaded
// only where a chart is. Data goes through the real ingest API.
const fs = require('fs');
const { test, expect, signIn } = require('./fixtures');
const { baseURL, ingestKeyFile } = require('../e2e-env');

let SERVICE = 'e2e-charts';
const SHOTS = '/tmp/shots/charts';

test.beforeAll(async ({ request }, testInfo) => {
  SERVICE = `e2e-charts-${testInfo.project.name}`;
  const key = fs.readFileSync(ingestKeyFile, 'utf8').trim();
  const at = (minutesAgo) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const requests = [];
  // One 42.5 ms request a minute for the eleven complete minutes 2 … 12 minutes ago.
  for (let minutesAgo = 2; minutesAgo <= 12; minutesAgo += 1) {
    requests.push({ service: SERVICE, endpoint: '/tip', method: 'GET', status: 200, duration_ms: 42.5, ts: at(minutesAgo) });
  }
  requests.push({ service: `${SERVICE}-other`, endpoint: '/elsewhere', method: 'GET', status: 200, duration_ms: 10, ts: at(5) });
  const response = await request.post('/api/v1/ingest', {
    headers: { Authorization: `Bearer ${key}`, 'Idempotency-Key': `e2e-charts-${SERVICE}` },
    data: { requests, samples: [] },
  });
  expect(response.status()).toBe(202);
});

const darkTheme = (page) => page.context().addCookies([{ name: 'opsdeck_theme', value: 'dark', url: baseURL }]);

test('hovering a chart shows each value with its unit and logs no CSP error', async ({ page, jsEnabled }) => {
  test.skip(!jsEnabled, 'tooltips need JavaScript');
  await signIn(page, 'viewer');
  await page.goto(`/performance?service=${SERVICE}&range=15m`);
  const chart = page.locator('#latency-chart');
  await expect(chart.locator('canvas').first()).toBeVisible();
  const box = await chart.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const tooltip = chart.locator('.chart-tooltip');
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText('P50 42.5 ms');
  await expect(tooltip.locator('[style]')).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/tooltip-light.png`, fullPage: true });
  // The fixture fails the test on any console error: a blocked inline style is one.
});

test('every chart has a text summary, and without JavaScript a drawing from the server', async ({ page, jsEnabled }) => {
  await signIn(page, 'viewer');
  await page.goto(`/performance?service=${SERVICE}&range=15m`);
  const latency = page.getByRole('figure', { name: 'Latency (ms)' });
  await expect(latency).toHaveAccessibleDescription(/P50 latest 42\.5 ms, lowest 42\.5 ms, highest 42\.5 ms/);
  await expect(page.getByRole('figure', { name: 'Throughput (requests/s)' })).toHaveAccessibleDescription(/Requests\/s latest 0\.02 requests\/s/);
  const drawing = latency.getByTestId('chart-fallback');
  if (jsEnabled) {
    await expect(latency.locator('canvas').first()).toBeVisible();
    await expect(drawing).toBeHidden();
  } else {
    await expect(drawing).toBeVisible();
    await expect(drawing.locator('polyline.chart-line')).toHaveCount(3);
    await expect(drawing.getByText('P50', { exact: true })).toBeVisible();
    await expect(drawing.getByText('ms', { exact: true })).toBeVisible();
    await expect(drawing.getByText('50', { exact: true })).toBeVisible();
  }
  await page.screenshot({ path: `${SHOTS}/performance-light-${jsEnabled ? 'js' : 'nojs'}.png`, fullPage: true });
});

test('in the dark theme the chart frame uses the dark colours', async ({ page, jsEnabled }) => {
  await darkTheme(page);
  await signIn(page, 'viewer');
  await page.goto(`/performance?service=${SERVICE}&range=15m`);
  const text = 'rgb(230, 233, 238)';
  const border = 'rgb(45, 52, 61)';
  if (jsEnabled) {
    await expect(page.locator('#latency-chart canvas').first()).toBeVisible();
    const option = () => page.evaluate(() => {
      const o = window.echarts.getInstanceByDom(document.getElementById('latency-chart')).getOption();
      return { legend: o.legend[0].textStyle.color, grid: o.yAxis[0].splitLine.lineStyle.color };
    });
    expect(await option()).toEqual({ legend: text, grid: border });
  } else {
    const drawing = page.getByRole('figure', { name: 'Latency (ms)' }).getByTestId('chart-fallback');
    await expect(drawing.locator('line.chart-grid').first()).toHaveCSS('stroke', border);
    await expect(drawing.locator('text.chart-axis').first()).toHaveCSS('fill', 'rgb(154, 164, 178)');
  }
  await page.screenshot({ path: `${SHOTS}/performance-dark-${jsEnabled ? 'js' : 'nojs'}.png`, fullPage: true });
  await page.goto('/health-checks');
  await expect(page.getByRole('figure').first()).toBeVisible();
  if (jsEnabled) await expect(page.locator('canvas').first()).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/health-dark-${jsEnabled ? 'js' : 'nojs'}.png`, fullPage: true });
  await page.goto(`/performance?service=${SERVICE}&range=15m`);
  if (jsEnabled) {
    const chart = page.locator('#latency-chart');
    await expect(chart.locator('canvas').first()).toBeVisible();
    const box = await chart.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect(chart.locator('.chart-tooltip')).toContainText('P50 42.5 ms');
    await page.screenshot({ path: `${SHOTS}/tooltip-dark.png` });
  }
});

test('the page a role may not see keeps the chosen theme', async ({ page }) => {
  await darkTheme(page);
  await signIn(page, 'viewer');
  const response = await page.goto('/users');
  expect(response.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(15, 18, 22)');
});

test('the custom time fields show only for a custom range, and the URL carries no empty fields', async ({ page, jsEnabled }) => {
  await signIn(page, 'viewer');
  await page.goto(`/performance?service=${SERVICE}&range=15m`);
  const from = page.getByLabel('Custom from (UTC)');
  await expect(from).toBeHidden();
  await page.getByLabel('Time range').selectOption('custom');
  await expect(from).toBeVisible();
  await expect(page.getByLabel('Custom to (UTC)')).toBeVisible();
  await page.getByLabel('Time range').selectOption('1h');
  await expect(from).toBeHidden();
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/range=1h/);
  expect(page.url()).not.toContain('&=');
  // With JavaScript the empty fields stay out; a plain GET form sends them
  // and the server redirects to the URL without them.
  expect(page.url()).not.toMatch(/from=|to=|endpoint=/);
});

test('changing the service sets the old endpoint aside', async ({ page, jsEnabled }) => {
  test.skip(!jsEnabled, 'without JavaScript the list follows the service after Show');
  await signIn(page, 'viewer');
  await page.goto(`/performance?service=${SERVICE}&endpoint=%2Ftip&range=15m`);
  await expect(page.getByLabel('Endpoint', { exact: true })).toHaveValue('/tip');
  // Retried until hydration has attached the change handler.
  await expect(async () => {
    await page.getByLabel('Service', { exact: true }).selectOption(SERVICE);
    await page.getByLabel('Service', { exact: true }).selectOption(`${SERVICE}-other`);
    await expect(page.getByLabel('Endpoint', { exact: true })).toBeDisabled({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(new RegExp(`service=${SERVICE}-other`));
  expect(page.url()).not.toContain('endpoint=');
  await expect(page.getByRole('heading', { name: `${SERVICE}-other · Last 15 minutes` })).toBeVisible();
  await expect(page.getByLabel('Endpoint', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('Endpoint', { exact: true })).toBeEnabled();
});

test('without JavaScript a changed service sets the old endpoint aside and says so', async ({ page, jsEnabled }) => {
  test.skip(jsEnabled, 'with JavaScript the old endpoint is never sent (above)');
  await signIn(page, 'viewer');
  await page.goto(`/performance?service=${SERVICE}&endpoint=%2Ftip&range=15m`);
  await page.getByLabel('Service', { exact: true }).selectOption(`${SERVICE}-other`);
  await page.getByRole('button', { name: 'Show' }).click();
  // The form sent the old endpoint along; the page shows the new service whole.
  await expect(page).toHaveURL(new RegExp(`service=${SERVICE}-other&endpoint=%2Ftip&range=15m$`));
  await expect(page.getByTestId('unserved-endpoint')).toHaveText(
    `Endpoint /tip is not served by ${SERVICE}-other; showing all endpoints.`,
  );
  await expect(page.getByTestId('no-requests')).toHaveCount(0);
  await expect(page.getByTestId('slowest-endpoints')).toContainText('/elsewhere');
  await expect(page.getByLabel('Endpoint', { exact: true })).toHaveValue('');
  await page.screenshot({ path: `${SHOTS}/performance-unserved-endpoint-nojs.png`, fullPage: true });
});

test('Skip to content moves focus to the page after hydration too', async ({ page, jsEnabled }) => {
  await signIn(page, 'viewer');
  await page.goto('/health-checks');
  if (jsEnabled) {
    // A client-side move proves hydration is done (a full load, before it, drops the marker).
    await expect(async () => {
      await page.evaluate(() => { window.stillTheSamePage = true; });
      const [name, url] = page.url().includes('/performance') ? ['Health', /\/health-checks/] : ['Performance', /\/performance/];
      await page.getByRole('navigation').getByRole('link', { name }).click();
      await expect(page).toHaveURL(url, { timeout: 2_000 });
      expect(await page.evaluate(() => window.stillTheSamePage)).toBe(true);
    }).toPass({ timeout: 15_000 });
  }
  await page.getByRole('link', { name: 'Skip to content' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#content')).toBeFocused();
});

test('ECharts loads only on pages with a chart, never blocking rendering', async ({ page, jsEnabled }) => {
  await page.goto('/login');
  await expect(page.locator('script[src^="/echarts.min.js"]')).toHaveCount(0);
  await signIn(page, 'viewer');
  await expect(page.locator('head script[src^="/echarts.min.js"]:not([defer]):not([async])')).toHaveCount(0);
  await page.goto(`/performance?service=${SERVICE}&range=15m`);
  if (jsEnabled) {
    await expect(page.locator('#latency-chart canvas').first()).toBeVisible();
    expect(await page.evaluate(() => typeof window.echarts?.init)).toBe('function');
    // Loaded under its versioned URL, which browsers keep for good.
    await expect(page.locator('script#echarts-js')).toHaveAttribute('src', /^\/echarts\.min\.js\?v=[0-9a-f]{16}$/);
  } else {
    await expect(page.locator('script[src^="/echarts.min.js"]')).toHaveCount(0);
  }
});

test('the Actions cells line up with their rows on Users, Backups and API keys', async ({ page }) => {
  await signIn(page, 'admin');
  for (const path of ['/users', '/backups', '/settings/api-keys']) {
    await page.goto(path);
    const rows = page.locator('tr:has(td.user-actions)');
    await expect(rows.first()).toBeVisible();
    const row = await rows.first().boundingBox();
    const cell = await rows.first().locator('td.user-actions').boundingBox();
    expect(Math.abs(cell.y - row.y), `${path}: top of the actions cell`).toBeLessThan(1);
    expect(Math.abs(cell.height - row.height), `${path}: height of the actions cell`).toBeLessThan(1);
    // A wide table scrolls inside its panel: the page itself never scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), `${path}: sideways overflow`).toBeLessThan(1);
    await page.screenshot({ path: `${SHOTS}/table${path.replaceAll('/', '-')}-light.png`, fullPage: true });
  }
  // A date in a table never breaks ("Dec" / "5", "2026-" / "12-05"); the short
  // form carries the whole date in its title.
  await page.goto('/backups');
  const next = page.locator('.targets-table time.nowrap').first();
  await expect(next).toHaveText(/^[A-Z][a-z]{2} \d{1,2}( \d{4})? \d{2}:\d{2}$/);
  await expect(next).toHaveAttribute('title', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
  expect((await next.boundingBox()).height).toBeLessThan(30);
});

test('in the dark theme text areas, checkboxes and tables take the dark style', async ({ page }) => {
  await darkTheme(page);
  await signIn(page, 'operator');
  await page.goto('/alerts/silences');
  const textarea = page.locator('textarea').first();
  await expect(textarea).toBeVisible();
  await expect(textarea).toHaveCSS('color-scheme', 'dark');
  await expect(textarea).toHaveCSS('background-color', 'rgb(23, 27, 33)'); // --surface
  await expect(page.getByRole('checkbox').first()).toHaveCSS('accent-color', 'rgb(111, 155, 255)'); // --accent
  await page.screenshot({ path: `${SHOTS}/silences-dark.png`, fullPage: true });
  await page.goto(`/performance?service=${SERVICE}&range=15m`);
  await page.screenshot({ path: `${SHOTS}/performance-tables-dark.png`, fullPage: true });
});
