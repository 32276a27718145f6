const { test, expect } = require('./fixtures');

test('the theme switch persists across reloads', async ({ page }) => {
  await page.goto('/login');
  const html = page.locator('html');
  const themes = page.getByRole('group', { name: 'Theme' });
  await expect(html).not.toHaveAttribute('data-theme', /.+/);
  await expect(themes.getByRole('button', { name: 'System' })).toHaveAttribute('aria-pressed', 'true');

  await expect(async () => {
    await themes.getByRole('button', { name: 'Dark' }).click();
    await expect(html).toHaveAttribute('data-theme', 'dark', { timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
  await expect(themes.getByRole('button', { name: 'Dark' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(15, 18, 22)');

  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(themes.getByRole('button', { name: 'Dark' })).toHaveAttribute('aria-pressed', 'true');

  await themes.getByRole('button', { name: 'Light' }).click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(246, 247, 249)');

  await themes.getByRole('button', { name: 'System' }).click();
  await expect(themes.getByRole('button', { name: 'System' })).toHaveAttribute('aria-pressed', 'true');
  await page.reload();
  await expect(html).not.toHaveAttribute('data-theme', /.+/);
});
