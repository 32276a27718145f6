// Settings › Monitoring in the browser: an admin changes a value and sees it
// saved with its source "set on the page"; a mistake is named beside its
// field and keeps everything typed (markup included, shown as text); an
// operator has no link and is refused the page.
const { test, expect, signIn, hydrated } = require('./fixtures');

// Both projects share one server: a save can meet the other project's save
// (refused as stale, values kept); saving again then goes through. `done` is
// what shows once this save went through.
async function saveSettings(page, done) {
  await page.getByRole('button', { name: 'Save settings' }).click();
  const stale = page.getByRole('alert').filter({ hasText: 'Another admin saved these settings' });
  await expect(stale.or(done).first()).toBeVisible();
  if (await stale.isVisible()) {
    await page.getByRole('button', { name: 'Save settings' }).click();
  }
}

test('an admin changes a setting and sees it set on the page', async ({ page, jsEnabled }) => {
  await signIn(page, 'admin');
  await page.goto('/settings');
  await page.getByRole('link', { name: 'Monitoring', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Monitoring settings' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Retention' })).toBeVisible();

  // Each project its own field, so the two runs never undo each other's check.
  const [label, name, value] = jsEnabled
    ? ['Notification history (days)', 'notification_days', '91']
    : ['Log lines (days)', 'log_days', '8'];
  // With JavaScript, the save must be the hydrated form's (its notice is checked).
  if (jsEnabled) await hydrated(page);
  const field = page.getByLabel(label);
  await field.fill(value);
  const source = page.getByTestId(`source-${name}`);
  await saveSettings(page, source.filter({ hasText: `Now: ${value} (set on the page)` }));
  await expect(source).toContainText(`Now: ${value} (set on the page)`);
  await expect(page.getByLabel(label)).toHaveValue(value);
  if (jsEnabled) {
    await expect(page.getByRole('status')).toContainText('Saved: version');
  }
  // Reloaded, the value is still the page's.
  await page.reload();
  await expect(page.getByTestId(`source-${name}`)).toHaveAttribute('data-source', 'set on the page');
});

test('a refused save names the field and keeps markup typed as text', async ({ page, jsEnabled }) => {
  await signIn(page, 'admin');
  await page.goto('/settings/monitoring');
  const markup = '</textarea><script>window.__owned = 1</script>"';
  await page.getByLabel('Raw request events and metric samples (days)').fill('0');
  await page.getByLabel('Extra scrubbed keys').fill(markup);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Enter between 1 and 3650 days.' })).toBeVisible();
  await expect(page.getByLabel('Raw request events and metric samples (days)')).toHaveValue('0');
  await expect(page.getByLabel('Raw request events and metric samples (days)')).toBeFocused();
  await expect(page.getByLabel('Extra scrubbed keys')).toHaveValue(markup);
  if (jsEnabled) expect(await page.evaluate(() => window.__owned)).toBeUndefined();
});

test('operators have no monitoring settings', async ({ page }) => {
  await signIn(page, 'operator');
  await page.goto('/settings');
  await expect(page.getByRole('link', { name: 'Monitoring', exact: true })).toHaveCount(0);
  const response = await page.goto('/settings/monitoring');
  expect(response.status()).toBe(403);
});
