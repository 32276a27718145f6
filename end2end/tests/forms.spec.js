// Forms in the browser, with and without JavaScript: typed text shows back
// exactly and never as markup (and the page hydrates), a refused rule save
// keeps every field and says why beside the field (focused), a 240 KB rules
// file imports by upload, read-only roles see a read-only rule, and a new
// API key is shown whole, once, with a Copy button (with and without JavaScript).
const { test, expect, signIn } = require('./fixtures');

const INJECTION = '</textarea><form action=/api/users/set-role><h2 id=pwned>INJECTED</h2></form></script></style><!-- & <b>';

async function noInjectedMarkup(page) {
  await expect(page.locator('form[action="/api/users/set-role"]')).toHaveCount(0);
  await expect(page.locator('#pwned')).toHaveCount(0);
}

test('typed text with markup is shown as text, stored or reflected', async ({ page }, testInfo) => {
  const suffix = `${testInfo.project.name}-${Date.now()}`;
  await signIn(page, 'operator');
  await page.goto(`/alerts/silences?silence[comment]=${encodeURIComponent(INJECTION)}`);
  await expect(page.getByLabel('Comment')).toHaveValue(INJECTION);
  await noInjectedMarkup(page);

  // Stored in a rule and read back on its page (which hydrates: the fixture
  // fails the test on any page error).
  await page.goto('/alerts/rules/new');
  await page.getByLabel('Name', { exact: true }).fill(`Injected ${suffix}`);
  await page.getByLabel('Service', { exact: true }).fill(`e2e-forms-${suffix}`);
  await page.getByLabel('Threshold', { exact: true }).fill('300');
  await page.getByLabel('Description').fill(INJECTION);
  await page.getByLabel('Labels').fill(`team=${INJECTION}`);
  await page.getByRole('button', { name: 'Save rule' }).click();
  await expect(page).toHaveURL(/\/alerts\/rules\/\d+$/);
  await expect(page.getByLabel('Description')).toHaveValue(INJECTION);
  await expect(page.getByLabel('Labels')).toHaveValue(`team=${INJECTION}`);
  await noInjectedMarkup(page);
  // A new rule is enabled unless unticked, and its page says how it stands.
  await expect(page.getByLabel('Enabled')).toBeChecked();
  await expect(page.getByTestId('rule-header')).not.toContainText('Disabled');
});

test('a refused rule save keeps every field and says why beside it', async ({ page }, testInfo) => {
  const suffix = `${testInfo.project.name}-${Date.now()}`;
  const name = `Taken ${suffix}`;
  await signIn(page, 'operator');
  const fill = async (threshold, channels) => {
    await page.goto('/alerts/rules/new');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Service', { exact: true }).fill(`e2e-forms-${suffix}`);
    await page.getByLabel('Threshold', { exact: true }).fill(threshold);
    await page.getByLabel('Notify channels').fill(channels);
    await page.getByRole('button', { name: 'Save rule' }).click();
  };
  await fill('300', `nosuch-${testInfo.project.name}`);
  const channels = page.getByLabel('Notify channels');
  await expect(channels).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#channels-error')).toContainText('No notification channel named');
  await expect(channels).toBeFocused();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(name);
  await expect(page.getByLabel('Threshold', { exact: true })).toHaveValue('300');

  await fill('300', '');
  await expect(page).toHaveURL(/\/alerts\/rules\/\d+$/);
  await fill('450', '');
  await expect(page.locator('#name-error')).toContainText('exists already');
  await expect(page.getByLabel('Name', { exact: true })).toBeFocused();
  await expect(page.getByLabel('Threshold', { exact: true })).toHaveValue('450');
});

test('a 240 KB rules file is previewed from an upload and applied', async ({ page }, testInfo) => {
  const suffix = `${testInfo.project.name}-${Date.now()}`;
  const rules = [];
  const description = 'what it means and what to do. '.repeat(60);
  let n = 0;
  while (rules.join('').length < 240 * 1024) {
    rules.push([
      `  - name: Bulk ${suffix} ${n}`,
      `    description: ${description}`,
      `    service: e2e-bulk-${suffix}`,
      '    aggregation: p95',
      '    window_secs: 300',
      "    comparator: '>'",
      '    threshold: 500',
      '    no_data: keep',
      '    severity: info',
      '',
    ].join('\n'));
    n += 1;
  }
  const yaml = `kind: opsdeck/alert-rules\nversion: 1\nrules:\n${rules.join('')}`;
  expect(yaml.length).toBeGreaterThanOrEqual(240 * 1024);
  await signIn(page, 'operator');
  await page.goto('/alerts/rules/import');
  await page.getByLabel('Or upload a file').setInputFiles({ name: 'rules.yaml', mimeType: 'application/yaml', buffer: Buffer.from(yaml) });
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('import-counts')).toContainText(`${n} created, 0 updated`);
  await expect(page.getByLabel('Rules file (YAML)')).toHaveValue(yaml);
  await page.locator('details.confirm summary', { hasText: 'Apply' }).click();
  await page.getByRole('button', { name: 'Apply import' }).click();
  await expect(page.getByTestId('import-result')).toContainText(`${n} created`);
});

test('a manager sees a rule read-only', async ({ page }, testInfo) => {
  const suffix = `${testInfo.project.name}-${Date.now()}`;
  await signIn(page, 'operator');
  await page.goto('/alerts/rules/new');
  await page.getByLabel('Name', { exact: true }).fill(`Read only ${suffix}`);
  await page.getByLabel('Service', { exact: true }).fill(`e2e-forms-${suffix}`);
  await page.getByLabel('Threshold', { exact: true }).fill('300');
  await page.getByRole('button', { name: 'Save rule' }).click();
  await expect(page).toHaveURL(/\/alerts\/rules\/\d+$/);
  const url = page.url();
  await page.context().clearCookies();
  await signIn(page, 'manager');
  await page.goto(url);
  await expect(page.getByTestId('rule-read-only')).toBeVisible();
  await expect(page.getByLabel('Name', { exact: true })).toBeDisabled();
  await expect(page.getByLabel('Description')).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save rule' })).toHaveCount(0);
});

test('a new API key is shown whole and only once, with a Copy button', async ({ page, jsEnabled }, testInfo) => {
  // Without JavaScript the plain post redirects back to the page, which
  // shows the key it takes from the session (never from the URL).
  await signIn(page, 'admin');
  await page.goto('/settings/api-keys');
  const name = `e2e copy ${testInfo.project.name} ${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = page.getByTestId('new-key-secret');
  await expect(secret).toBeVisible();
  await expect(secret).toHaveText(/^odk_[A-Za-z0-9]+_[A-Za-z0-9]+$/);
  await expect(page.locator('.generated-password')).toContainText(`New key “${name}”:`);
  expect(page.url()).not.toContain('odk_');
  const box = await secret.boundingBox();
  const panel = await page.locator('.generated-password').boundingBox();
  expect(box.x + box.width).toBeLessThanOrEqual(panel.x + panel.width + 1);
  if (jsEnabled) await expect(page.getByRole('button', { name: 'Copy the new key' })).toBeVisible();
  // Shown once: the page loaded again shows no key.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Create API key' })).toBeVisible();
  await expect(secret).toHaveCount(0);
});
