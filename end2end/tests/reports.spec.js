// Monthly reports as a manager: this month's report lists a deployment
// recorded through the API, prints to a PDF that holds the report's tables
// (checked by its text), and downloads a table as CSV. A bad month in the
// URL is refused with a message; support staff may not open reports.
const fs = require('fs');
const pdf = require('pdf-parse/lib/pdf-parse.js');
const { test, expect, signIn } = require('./fixtures');
const { deploymentsKeyFile } = require('../e2e-env');

const thisMonth = () => new Date().toISOString().slice(0, 7);

test('a manager reads the month, prints it to PDF and downloads a table', async ({ page, request, jsEnabled }, testInfo) => {
  const service = `e2e-report-${testInfo.project.name}`;
  const version = `r${Date.now().toString(36)}`;
  const recorded = await request.post('/api/v1/deployments', {
    headers: { Authorization: `Bearer ${fs.readFileSync(deploymentsKeyFile, 'utf8').trim()}` },
    data: { service, version, status: 'succeeded', deployed_by: 'e2e pipeline' },
  });
  expect(recorded.status()).toBe(201);

  await signIn(page, 'manager');
  await page.goto('/');
  await page.getByRole('navigation').getByRole('link', { name: 'Reports' }).click();
  await expect(page).toHaveURL(/\/reports$/);
  // The default is last month; pick this one through the form.
  await page.getByLabel('Month (YYYY-MM)').fill(thisMonth());
  await page.getByRole('button', { name: 'Show report' }).click();
  await expect(page).toHaveURL(new RegExp(`month=${thisMonth()}`));
  await expect(page.getByTestId('report-so-far')).toContainText('The month is not over');
  // The report is computed once a minute for everyone; wait for this deployment.
  const row = page.getByTestId('report-deployments').getByRole('row').filter({ hasText: version });
  await expect(async () => {
    await page.goto(`/reports?month=${thisMonth()}&service=${service}`);
    await expect(row).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 90_000 });
  await expect(page.getByTestId('report-numbers')).toContainText('Change failure rate');
  await expect(page.getByTestId('report-backups')).toBeVisible();

  if (jsEnabled) {
    await page.emulateMedia({ media: 'print' });
    const text = (await pdf(await page.pdf({ format: 'A4' }))).text;
    for (const heading of ['In numbers', 'Latency and errors', 'Incidents', 'Deployments', 'Backups', version, service]) {
      expect(text, `the PDF holds "${heading}"`).toContain(heading);
    }
    expect(text).not.toContain('Download CSV');
    expect(text).not.toContain('Show report');
    await page.emulateMedia({ media: 'screen' });
  }

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('report-deployments-heading-csv').click(),
  ]);
  expect(download.suggestedFilename()).toBe(`opsdeck-report-${thisMonth()}-${service}-deployments.csv`);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  expect(csv.split('\r\n')[0]).toBe('deployment_id,service,version,environment,status,started_at,worse,failed_change');
  expect(csv).toContain(`,${service},${version},`);
});

test('a month still to come is refused and support may not read reports', async ({ page }) => {
  await signIn(page, 'manager');
  await page.goto('/reports?month=2999-01');
  await expect(page.getByTestId('report-error')).toContainText('has not begun yet');
  await expect(page.getByLabel('Month (YYYY-MM)')).toHaveValue('2999-01');

  await signIn(page, 'support');
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Reports' })).toHaveCount(0);
  const response = await page.goto('/reports');
  expect(response.status()).toBe(403);
});
