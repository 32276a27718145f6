// The Logs page as support uses it: search with highlights, a line's
// context, a trace's lines, a refused query pointing at its position; and,
// with JavaScript, the live tail receiving a line added during the test,
// with pause and resume. Lines are seeded with SQL (psql) and the live
// stream fed with redis-cli, as the logs store does after a commit; each
// test uses words of its own, so the js and no-js runs never meet.
const { execFileSync } = require('child_process');
const crypto = require('crypto');
const { test, expect, signIn } = require('./fixtures');
const { serverEnv } = require('../e2e-env');

const newTrace = () => crypto.randomBytes(16).toString('hex');

function sql(query) {
  return execFileSync('psql', [serverEnv.DATABASE_URL, '-qtA', '-v', 'ON_ERROR_STOP=1', '-c', query]).toString().trim();
}

function xadd(line) {
  const url = serverEnv.REDIS_URL || 'redis://127.0.0.1:6379';
  execFileSync('redis-cli', ['-u', url, 'XADD', `${serverEnv.OPSDECK_REDIS_PREFIX}logs:live`, '*', 'line', JSON.stringify(line)]);
}

const unique = () => `w${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

// Five lines of one service and host (two in a trace) and one of another service.
function seed(tag, trace) {
  sql('SELECT logs_ensure_partitions(ARRAY[current_date - 1, current_date, current_date + 1])');
  return sql(`INSERT INTO log_lines (ts, observed_ts, service, host, severity, body, attributes, trace_id) VALUES
    (now() - interval '5 minutes', now(), 'shop-${tag}', 'web-1', 9, 'cart ${tag} opened', '{"user":"ada"}', NULL),
    (now() - interval '4 minutes', now(), 'shop-${tag}', 'web-1', 9, 'payment ${tag} started', '{}', '${trace}'),
    (now() - interval '3 minutes', now(), 'shop-${tag}', 'web-1', 17, 'payment ${tag} TIMEOUT after 30s', '{"http.status_code":"504"}', '${trace}'),
    (now() - interval '2 minutes', now(), 'shop-${tag}', 'web-1', 13, 'retrying ${tag}', '{}', NULL),
    (now() - interval '1 minutes', now(), 'shop-${tag}', 'web-1', 9, 'cart ${tag} closed', '{}', NULL),
    (now() - interval '3 minutes', now(), 'gateway-${tag}', 'edge', 9, 'proxied ${tag}', '{}', '${trace}')
    RETURNING id`).split('\n');
}

async function search(page, query) {
  await page.goto('/logs');
  await page.getByLabel('Query').fill(query);
  await page.getByRole('button', { name: 'Search' }).click();
}

test('support searches, sees the matched word marked, and the histogram', async ({ page }) => {
  const tag = unique();
  seed(tag, newTrace());
  await signIn(page, 'support');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Logs', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Logs' })).toBeVisible();
  await search(page, `${tag} level>=warn -retrying`);
  await expect(page).toHaveURL(new RegExp(`/logs\\?q=${tag}`));
  const bodies = page.locator('.log-body');
  await expect(bodies).toHaveCount(1);
  await expect(bodies.first()).toContainText(`payment ${tag} TIMEOUT`);
  await expect(bodies.first().locator('mark')).toHaveText(tag);
  await expect(page.getByTestId('logs-summary')).toContainText('1 matching line in the range');
  await expect(page.getByRole('figure', { name: /Matching lines over time/ })).toBeVisible();
  // Expanded, a line shows every attribute.
  await page.locator('.log-line summary').first().click();
  await expect(page.locator('.log-attributes')).toContainText('http.status_code');
  await expect(page.locator('.log-attributes')).toContainText('504');
  // The permalink is the query.
  await expect(page.getByTestId('permalink')).toHaveAttribute('href', new RegExp(`q=${tag}`));
});

// Opens the first line's details (only if closed: a click before hydration
// can be undone by it) until its links show.
async function openFirstLine(page, link) {
  await expect(async () => {
    const details = page.locator('.log-line details').first();
    if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
    await expect(page.getByTestId(link).first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
}

test('a line links to its context and its trace', async ({ page }) => {
  const tag = unique();
  seed(tag, newTrace());
  await signIn(page, 'support');
  await search(page, `"payment ${tag} TIMEOUT"`);
  await openFirstLine(page, 'context-link');
  await page.getByTestId('context-link').first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Lines around a line' })).toBeVisible();
  // Same service and host only: the five shop lines, the asked one marked.
  await expect(page.locator('.log-body')).toHaveCount(5);
  await expect(page.locator('.log-line[aria-current="true"] .log-body')).toHaveText(`payment ${tag} TIMEOUT after 30s`);
  await page.goBack();
  await openFirstLine(page, 'trace-link');
  await page.getByTestId('trace-link').first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'Lines of a trace' })).toBeVisible();
  await expect(page.locator('.log-body').filter({ hasText: tag })).toHaveCount(3);
  await expect(page.locator('.log-body', { hasText: `proxied ${tag}` })).toBeVisible();
});

test('a query that cannot be read says where', async ({ page }) => {
  await signIn(page, 'support');
  await search(page, 'timeout "</textarea><script>');
  await expect(page.getByTestId('query-error')).toContainText('unbalanced quote at 8');
  await expect(page.getByLabel('Query')).toHaveValue('timeout "</textarea><script>');
});

test('a manager has no Logs and is refused the page', async ({ page }) => {
  await signIn(page, 'manager');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Logs', exact: true })).toHaveCount(0);
  const response = await page.goto('/logs');
  expect(response.status()).toBe(403);
});

test('the live tail shows a line added during the test, and pause keeps what arrives', async ({ page, jsEnabled }) => {
  test.skip(!jsEnabled, 'the live tail needs JavaScript');
  const tag = unique();
  seed(tag, newTrace());
  await signIn(page, 'support');
  await page.goto(`/logs?q=${tag}+level%3E%3Dwarn&range=15m`);
  await expect(page.locator('.log-body')).toHaveCount(2);
  await page.getByLabel('Live').check();
  await expect(page.getByTestId('live-status')).toContainText('Live:');
  const line = (id, severity, body) => ({
    id, ts: new Date().toISOString(), service: `shop-${tag}`, host: 'web-1', severity,
    severity_text: '', body, attributes: {}, trace_id: null, span_id: null,
  });
  xadd(line(-1, 9, `quiet ${tag} line`));
  xadd(line(-2, 17, `live ${tag} failure`));
  const live = page.getByTestId('live-lines').locator('.log-body');
  await expect(live).toHaveCount(1);
  await expect(live.first()).toContainText(`live ${tag} failure`);
  await expect(live.first().locator('mark')).toHaveText(tag);

  await page.getByRole('button', { name: 'Pause' }).click();
  xadd(line(-3, 18, `held ${tag} failure`));
  await expect(page.getByTestId('live-held')).toHaveText('1 new line waiting');
  await expect(live).toHaveCount(1);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(live).toHaveCount(2);
  await expect(live.first()).toContainText(`held ${tag} failure`);
});

test('a histogram bar zooms into its bucket', async ({ page, jsEnabled }) => {
  test.skip(jsEnabled, 'with JavaScript the bars are drawn on a canvas (a click follows the same link)');
  const tag = unique();
  seed(tag, newTrace());
  await signIn(page, 'support');
  await page.goto(`/logs?q=${tag}&range=1h`);
  await expect(page.locator('.log-body')).toHaveCount(6);
  // The newest bucket with a match: "cart … closed", a minute ago.
  await page.locator('.bars-svg a').last().click();
  await expect(page).toHaveURL(/range=custom&from=.*&to=/);
  await expect(page.getByLabel('Time range')).toHaveValue('custom');
  await expect(page.locator('.log-body')).toHaveCount(1);
  await expect(page.locator('.log-body').first()).toContainText(`cart ${tag} closed`);
});

test('with JavaScript, clicking a drawn bar zooms into its bucket', async ({ page, jsEnabled }) => {
  test.skip(!jsEnabled, 'the drawing without JavaScript is the SVG above');
  const tag = unique();
  seed(tag, newTrace());
  await signIn(page, 'support');
  await page.goto(`/logs?q=${tag}&range=1h`);
  await expect(page.locator('.log-body')).toHaveCount(6);
  const chart = page.locator('#logs-histogram');
  await expect(chart).toHaveClass(/drawn/);
  // Where ECharts drew the newest bar with a match (its middle), found from the
  // chart's own data and coordinate system; the click is a real mouse click there.
  const target = await page.waitForFunction(() => {
    const element = document.getElementById('logs-histogram');
    const instance = window.echarts && window.echarts.getInstanceByDom(element);
    if (!instance) return null;
    const series = instance.getOption().series;
    let newest = null;
    series.forEach((s, index) => s.data.forEach(([t, v]) => {
      if (v > 0 && (!newest || t > newest.t)) newest = { t, v, index };
    }));
    if (!newest) return null;
    const [x, y] = instance.convertToPixel({ seriesIndex: newest.index }, [newest.t, newest.v / 2]);
    const box = element.getBoundingClientRect();
    return { x: box.left + x, y: box.top + y };
  });
  const { x, y } = await target.jsonValue();
  await page.mouse.click(x, y);
  await expect(page).toHaveURL(/range=custom&from=.*&to=/);
  await expect(page.getByLabel('Time range')).toHaveValue('custom');
  await expect(page.locator('.log-body')).toHaveCount(1);
  await expect(page.locator('.log-body').first()).toContainText(`cart ${tag} closed`);
});

