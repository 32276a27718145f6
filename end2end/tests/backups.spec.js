// Backups end to end: an admin adds a target (the e2e database itself, under
// a name of its own so the JS and no-JS runs never share a target), runs a
// backup and watches its status change to succeeded, verifies it and
// restore-tests it, and reads the evidence. Without JavaScript the page is
// reloaded by hand (the Refresh link), as a user would.
const { test, expect, signIn } = require('./fixtures');
const { serverEnv } = require('../e2e-env');

// A backup and a restore test each take seconds on an idle machine and
// much longer on a loaded two-core one (a cold build beside the tests).
const SLOW = 75_000;

// Reloads (without JavaScript) until `check` passes; with JavaScript the page follows by itself.
async function eventually(page, jsEnabled, check) {
  if (jsEnabled) {
    await check();
    return;
  }
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout: SLOW });
}

test('run a backup, watch it finish, verify it and restore-test it', async ({ page, jsEnabled }) => {
  test.setTimeout(4 * SLOW);
  const name = `e2e-${jsEnabled ? 'js' : 'nojs'}-${Date.now().toString(36)}`;
  await signIn(page, 'admin');
  await page.goto('/backups');
  await expect(page.getByRole('heading', { level: 1, name: 'Backups' })).toBeVisible();

  // Add the target; the URL is write-only.
  const add = page.locator('details.add-target');
  await add.locator('summary').click();
  await add.getByLabel('Name').fill(name);
  await add.getByLabel('Connection URL').fill(serverEnv.DATABASE_URL);
  await add.getByRole('button', { name: 'Add target' }).click();
  const targetRow = page.getByTestId('target-row').filter({ hasText: name });
  await expect(targetRow).toBeVisible();
  await expect(page.locator('body')).not.toContainText(serverEnv.DATABASE_URL);

  // Run it and watch its status change.
  await targetRow.getByRole('button', { name: `Run backup now: ${name}` }).click();
  const runRow = page.getByTestId('backup-row').filter({ hasText: name }).first();
  await expect(runRow).toBeVisible();
  await expect(runRow.getByTestId('run-status')).toHaveText(/^running.* written$|^succeeded$/);
  await eventually(page, jsEnabled, async () => {
    await expect(runRow.getByTestId('run-status')).toHaveText('succeeded', { timeout: jsEnabled ? SLOW : 1_000 });
  });
  await expect(runRow).toContainText('not yet');

  // Its page: facts and row counts, then Verify.
  await runRow.getByRole('link', { name: /^#\d+$/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: new RegExp(`Backup #\\d+ of ${name}`) })).toBeVisible();
  await expect(page.getByTestId('sha256')).toHaveText(/^[0-9a-f]{64}$/);
  await expect(page.getByRole('heading', { name: 'Row counts at backup time' })).toBeVisible();
  await page.getByRole('button', { name: 'Verify' }).click();
  const verification = page.getByTestId('check-verify').first();
  await expect(verification).toContainText('pass');
  await expect(verification).toContainText('matches: recorded');

  // Restore test: runs in the background; the page shows the evidence when done.
  await page.getByRole('button', { name: 'Restore test' }).click();
  const restoreTest = page.getByTestId('check-restore_test').first();
  await expect(restoreTest).toBeVisible();
  await eventually(page, jsEnabled, async () => {
    await expect(restoreTest).toContainText('pass', { timeout: jsEnabled ? SLOW : 1_000 });
  });
  await expect(restoreTest).toContainText(/\d+ tables \(\d+ rows\) compared; 0 differ/);
  await expect(restoreTest).toContainText('dropped afterwards');

  // The list shows both at a glance.
  await page.getByRole('link', { name: 'Backups', exact: true }).first().click();
  const listed = page.getByTestId('backup-row').filter({ hasText: name }).first();
  await expect(listed).toContainText('verified ✓');
  await expect(listed).toContainText('restored ✓');
});

test('a manager reads backups but cannot run them', async ({ page }) => {
  await signIn(page, 'manager');
  await page.goto('/backups');
  await expect(page.getByRole('heading', { level: 1, name: 'Backups' })).toBeVisible();
  await expect(page.getByTestId('target-row').first()).toBeVisible();
  await expect(page.getByRole('button', { name: /Run backup now/ })).toHaveCount(0);
  await expect(page.locator('details.add-target')).toHaveCount(0);
});

test('on a 1280 px laptop screen both tables fit without scrolling sideways, light and dark', async ({ page, jsEnabled }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  // A long name, both schedules and both retention rules: the widest row a target has.
  const name = `e2e-fit-${jsEnabled ? 'js' : 'nojs'}-orders-primary-eu-west-${Date.now().toString(36)}`;
  await signIn(page, 'admin');
  await page.goto('/backups');
  const add = page.locator('details.add-target');
  await add.locator('summary').click();
  await add.getByLabel('Name').fill(name);
  await add.getByLabel('Connection URL').fill(serverEnv.DATABASE_URL);
  await add.getByLabel('Backup schedule (cron, UTC)').fill('*/30 * * * *');
  await add.getByLabel('Restore test schedule (cron, UTC)').fill('15 5 1 * *');
  await add.getByLabel('Keep the last N backups').fill('14');
  await add.getByLabel('Keep backups younger than D days').fill('30');
  await add.getByRole('button', { name: 'Add target' }).click();
  const targetRow = page.getByTestId('target-row').filter({ hasText: name });
  await expect(targetRow).toBeVisible();

  // Two backups of it, the first verified: every column of a run has text.
  for (let i = 0; i < 2; i += 1) {
    await page.goto('/backups');
    await targetRow.getByRole('button', { name: `Run backup now: ${name}` }).click();
    await eventually(page, jsEnabled, async () => {
      await expect(page.getByTestId('backup-row').filter({ hasText: name }).getByTestId('run-status'))
        .toHaveText(Array(i + 1).fill('succeeded'), { timeout: jsEnabled ? 30_000 : 1_000 });
    });
  }
  await page.getByTestId('backup-row').filter({ hasText: name }).last().getByRole('link', { name: /^#\d+$/ }).click();
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByTestId('check-verify').first()).toContainText('pass');

  for (const theme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: theme });
    await page.goto('/backups');
    await expect(page.getByTestId('backup-row').filter({ hasText: name })).toHaveCount(2);
    await expect(page.getByTestId('backup-row').filter({ hasText: name }).last()).toContainText('verified ✓');
    for (const table of ['.targets-table', '.backups-table']) {
      const sizes = await page.locator(table).evaluate((element) => {
        const panel = element.closest('.panel');
        return { table: element.scrollWidth, panel: panel.clientWidth, panelScroll: panel.scrollWidth };
      });
      expect(sizes.panelScroll, `${theme} ${table}: its panel does not scroll sideways`).toBeLessThanOrEqual(sizes.panel);
      expect(sizes.table, `${theme} ${table}: the table fits its panel`).toBeLessThanOrEqual(sizes.panel);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThan(1);
    await page.screenshot({ path: `/tmp/shots/backups/backups-1280-${theme}-${jsEnabled ? 'js' : 'nojs'}.png`, fullPage: true });
  }
});
