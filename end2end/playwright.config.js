// Playwright drives Debian's Chromium (never a downloaded browser). Every spec
// runs twice: with JavaScript (hydrated app) and without (server-rendered HTML
// and plain form posts), because pages must stay usable either way.
const { defineConfig } = require('@playwright/test');
const { baseURL, bin, serverEnv } = require('./e2e-env');

module.exports = defineConfig({
  testDir: './tests',
  globalSetup: './global-setup.js',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  reporter: [['list']],
  forbidOnly: true,
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'js', use: { javaScriptEnabled: true } },
    { name: 'no-js', use: { javaScriptEnabled: false } },
  ],
  // Starts the binary built by `cargo leptos build` against the e2e database
  // that scripts/test.sh prepares; /health answers once it is serving.
  webServer: {
    command: `"${bin}" serve`,
    url: `${baseURL}/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: serverEnv,
  },

});
