// Alert rules as files in the browser: an operator pastes a rules file,
// previews it (what is created, what is updated with old and new values),
// applies it and finds the rules listed; the Export link downloads YAML.
const fs = require('fs');
const { test, expect, signIn } = require('./fixtures');

const rule = (name, service, threshold) => [
  `  - name: ${name}`,
  `    service: ${service}`,
  '    aggregation: p95',
  '    window_secs: 300',
  "    comparator: '>'",
  `    threshold: ${threshold}`,
  '    no_data: keep',
  '    severity: warning',
  '',
].join('\n');
const file = (...rules) => `kind: opsdeck/alert-rules\nversion: 1\nrules:\n${rules.join('')}`;

async function previewAndApply(page, yaml) {
  await page.goto('/alerts/rules/import');
  await page.getByLabel('Rules file (YAML)').fill(yaml);
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('import-plan')).toBeVisible();
}

async function apply(page) {
  await page.locator('details.confirm summary', { hasText: 'Apply' }).click();
  await page.getByRole('button', { name: 'Apply import' }).click();
  await expect(page.getByTestId('import-result')).toBeVisible();
}

test('an operator previews and applies a rules file, then exports the rules', async ({ page }, testInfo) => {
  const suffix = `${testInfo.project.name}-${Date.now()}`;
  const service = `e2e-files-${suffix}`;
  const kept = `Kept ${suffix}`;
  const changed = `Changed ${suffix}`;
  const added = `Added ${suffix}`;
  await signIn(page, 'operator');

  // The rules the team starts from.
  await previewAndApply(page, file(rule(changed, service, 500), rule(kept, service, 200)));
  await expect(page.getByTestId('import-plan').locator('tr[data-change="create"]')).toHaveCount(2);
  await apply(page);
  await expect(page.getByTestId('import-result')).toContainText('2 created, 0 updated');

  // One rule changed, one new; the kept one left out of the file.
  await previewAndApply(page, file(rule(changed, service, 750), rule(added, service, 300)));
  const plan = page.getByTestId('import-plan');
  const update = plan.locator('tr', { hasText: changed });
  await expect(update).toHaveAttribute('data-change', 'update');
  await expect(update).toContainText('threshold: 500.0 → 750.0');
  await expect(plan.locator('tr', { hasText: added })).toHaveAttribute('data-change', 'create');
  await expect(page.getByTestId('import-kept')).toContainText(kept);
  await apply(page);
  await expect(page.getByTestId('import-result')).toContainText('1 created, 1 updated, 0 unchanged');

  await page.getByRole('link', { name: 'See the rules' }).click();
  const rules = page.getByTestId('alert-rules');
  for (const name of [changed, added, kept]) {
    await expect(rules.getByRole('link', { name })).toBeVisible();
  }
  await expect(rules.locator('tr', { hasText: changed })).toContainText('> 750');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export YAML' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('opsdeck-alert-rules.yaml');
  const yaml = fs.readFileSync(await download.path(), 'utf8');
  expect(yaml).toContain('kind: opsdeck/alert-rules');
  for (const name of [changed, added, kept]) expect(yaml).toContain(`name: ${name}`);
});

test('a file with mistakes lists each one and offers no Apply', async ({ page }) => {
  await signIn(page, 'operator');
  await page.goto('/alerts/rules/import');
  await expect(page.getByTestId('import-empty')).toBeVisible();
  await page.getByLabel('Rules file (YAML)').fill(file(rule('Bad window', 'x', 1).replace('window_secs: 300', 'window_secs: 90')));
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('import-problems')).toContainText('rules[0] (Bad window): window_secs:');
  await expect(page.getByRole('button', { name: 'Apply import' })).toHaveCount(0);
});
