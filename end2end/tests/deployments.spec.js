// Deployments: one recorded by CI through the API is marked on its service's
// Performance charts (an ECharts markLine with JavaScript, a text list
// without) and listed on the Deployments page; an operator records one from
// the form, with field errors, and finishes it.
const fs = require('fs');
const { test, expect, signIn } = require('./fixtures');
const { ingestKeyFile, deploymentsKeyFile } = require('../e2e-env');

// Each project (js, no-js) works on its own service, so the two never see
// each other's rows however they interleave.
const serviceFor = (testInfo, what) => `e2e-${what}-${testInfo.project.name}`;
const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

test('a deployment recorded through the API is marked on the performance chart and listed', async ({ page, request, jsEnabled }, testInfo) => {
  const service = serviceFor(testInfo, 'deploy');
  const version = `v2.${unique()}`;
  const at = (minutesAgo) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  // Traffic around the deployment so the charts draw (stored once per service).
  const requests = [20, 15, 10, 6, 4, 2].map((minutesAgo) => ({
    service, endpoint: '/pay', method: 'POST', status: 200, duration_ms: 40 + minutesAgo, ts: at(minutesAgo),
  }));
  const ingest = await request.post('/api/v1/ingest', {
    headers: { Authorization: `Bearer ${fs.readFileSync(ingestKeyFile, 'utf8').trim()}`, 'Idempotency-Key': `e2e-deployments-${service}` },
    data: { requests, samples: [] },
  });
  expect(ingest.status()).toBe(202);

  const deploymentsKey = fs.readFileSync(deploymentsKeyFile, 'utf8').trim();
  const recorded = await request.post('/api/v1/deployments', {
    headers: { Authorization: `Bearer ${deploymentsKey}` },
    data: { service, version, status: 'started', started_at: at(5), commit: 'e2e0c0ffee', deployed_by: 'e2e pipeline' },
  });
  expect(recorded.status()).toBe(201);
  const { id } = await recorded.json();
  const finished = await request.patch(`/api/v1/deployments/${id}`, {
    headers: { Authorization: `Bearer ${deploymentsKey}` },
    data: { status: 'succeeded' },
  });
  expect(finished.status()).toBe(200);
  // An ingest-only key may not record deployments.
  const refused = await request.post('/api/v1/deployments', {
    headers: { Authorization: `Bearer ${fs.readFileSync(ingestKeyFile, 'utf8').trim()}` },
    data: { service, version: 'never', status: 'started' },
  });
  expect(refused.status()).toBe(403);

  await signIn(page, 'manager');
  await page.goto(`/performance?service=${service}&range=1h`);
  await expect(page.getByTestId('chart-deployments')).toContainText(version);
  if (jsEnabled) {
    await expect(page.locator('#latency-chart canvas').first()).toBeVisible();
    // Every chart carries the marker: a markLine at the deployment's start, labelled with its version.
    for (const chart of ['latency-chart', 'throughput-chart', 'error-rate-chart']) {
      await expect.poll(() => page.evaluate((id) => {
        const instance = window.echarts.getInstanceByDom(document.getElementById(id));
        if (!instance) return [];
        return instance.getOption().series.flatMap((s) => ((s.markLine && s.markLine.data) || []).map((d) => d.name));
      }, chart)).toContain(version);
    }
    const labels = await page.evaluate(() => {
      const axis = window.echarts.getInstanceByDom(document.getElementById('latency-chart')).getOption().xAxis[0];
      return axis.axisLabel.hideOverlap;
    });
    expect(labels).toBe(true);
  }

  await page.getByRole('link', { name: `All deployments of ${service}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Deployments' })).toBeVisible();
  const row = page.getByTestId('deployment-row').filter({ hasText: version });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Succeeded');
  await expect(row).toContainText('e2e pipeline');
  await expect(row.getByTestId('impact')).toBeVisible();
  await expect(page.getByTestId('timeline')).toContainText(version);
  // Managers read; they get neither the form nor Finish.
  await expect(page.getByRole('region', { name: 'Record a deployment' })).toHaveCount(0);
});

test('an operator records a deployment from the form and finishes it', async ({ page, jsEnabled }, testInfo) => {
  const service = serviceFor(testInfo, 'form');
  const version = `v3.${unique()}`;
  await signIn(page, 'operator');
  await page.goto('/deployments');
  const form = page.getByRole('region', { name: 'Record a deployment' });
  await form.getByLabel('Service').fill(service);
  await form.getByLabel('Version').fill(version);
  await form.getByLabel('Status').selectOption('started');
  await form.getByLabel('Notes link').fill('ftp://not-a-web-link');
  await form.getByRole('button', { name: 'Record deployment' }).click();
  await expect(page.getByRole('region', { name: 'Record a deployment' }).getByText('must be an http:// or https:// link')).toBeVisible();

  const again = page.getByRole('region', { name: 'Record a deployment' });
  await again.getByLabel('Service').fill(service);
  await again.getByLabel('Version').fill(version);
  await again.getByLabel('Status').selectOption('started');
  await again.getByLabel('Notes link').fill('https://ci.example.com/runs/1');
  await again.getByRole('button', { name: 'Record deployment' }).click();
  // Stored before moving on: the list reloads (JS) or the redirect back shows it (no JS).
  await expect(page.getByTestId('deployment-row').filter({ hasText: version })).toHaveCount(1);
  if (jsEnabled) await expect(page.getByRole('status').filter({ hasText: `Recorded ${service} ${version}` })).toBeVisible();

  await page.goto(`/deployments?service=${service}`);
  const row = page.getByTestId('deployment-row').filter({ hasText: version });
  await expect(row).toContainText('Started');
  await row.getByText('Finish', { exact: true }).click();
  await row.getByLabel(`Outcome of ${service} ${version}`).selectOption('rolled_back');
  await row.getByRole('button', { name: 'Save outcome' }).click();
  await expect(page.getByTestId('deployment-row').filter({ hasText: version })).toContainText('Rolled back');
  await expect(page.getByTestId('deployment-row').filter({ hasText: version }).getByText('Finish', { exact: true })).toHaveCount(0);
});

test('viewers may not open the Deployments page', async ({ page }) => {
  await signIn(page, 'viewer');
  const response = await page.goto('/deployments');
  expect(response.status()).toBe(403);
});
