// Shared test fixture: fails a test on any uncaught page error or console
// error (a hydration mismatch shows up there), and tells specs whether
// JavaScript is on for this project.
const base = require('@playwright/test');

exports.test = base.test.extend({
  page: async ({ page }, use) => {
    const problems = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // Chromium logs every non-2xx response. A page's own status (404, 403)
      // and a server function's refusal (401, 422, 429), shown to the user by
      // the page, are expected; the specs assert what the user sees instead.
      const url = message.location().url || '';
      const ownStatus = message.text().startsWith('Failed to load resource') && (url === page.url() || url.includes('/api/'));
      if (message.type() === 'error' && !ownStatus) problems.push(`console: ${message.text()}`);
    });
    await use(page);
    base.expect(problems, 'the page logged no errors').toEqual([]);
  },
  jsEnabled: async ({}, use, testInfo) => {
    await use(testInfo.project.use.javaScriptEnabled !== false);
  },
});
exports.expect = base.expect;

const { PASSWORD, emailFor } = require('../e2e-env');

// Signs in through the real form (works with and without JavaScript) and
// waits until the page the form leads to shows the account menu. A submit
// while hydration replaces the form can be lost (the fields come back
// empty, CI stop 31): then the form is filled and sent again.
exports.signIn = async (page, role, { next } = {}) => {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  const badge = page.getByTestId('role');
  await base.expect(async () => {
    if ((await badge.count()) > 0 && (await badge.first().textContent()) === role) return;
    await page.getByLabel('Email').fill(emailFor(role), { timeout: 2_000 });
    await page.getByLabel('Password').fill(PASSWORD, { timeout: 2_000 });
    await page.getByRole('button', { name: 'Sign in' }).click({ timeout: 2_000 });
    await base.expect(badge).toHaveText(role, { timeout: 5_000 });
  }).toPass({ timeout: 30_000 });
};


// Waits until the hydrated app has attached its event handlers (the
// hydration script marks `<html data-hydrated>`); a click before that takes
// the page's no-JavaScript path instead.
exports.hydrated = async (page) => {
  await base.expect(page.locator('html[data-hydrated]')).toHaveCount(1, { timeout: 20_000 });
};
