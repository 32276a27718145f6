// Shared test fixture: fails a test on any uncaught page error or console
// error (a hydration mismatch shows up there), and tells specs whether
// JavaScript is on for this project.
const base = require('@playwright/test');

exports.test = base.test.extend({
  page: async ({ page }, use) => {
    const problems = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // A deliberate 404 page reports its own status in the console; that is not a fault.
      const ownStatus = message.text().startsWith('Failed to load resource') && message.location().url === page.url();
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
