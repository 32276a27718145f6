// Playwright drives Debian's Chromium (never a downloaded browser). Every spec
// runs twice: with JavaScript (hydrated app) and without (server-rendered HTML
// and plain form posts), because pages must stay usable either way.
const { defineConfig } = require('@playwright/test');
const path = require('path');

const repo = path.resolve(__dirname, '..');
const port = process.env.OPSDECK_E2E_PORT || '3100';
const baseURL = `http://127.0.0.1:${port}`;

module.exports = defineConfig({
  testDir: './tests',
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
    command: `"${process.env.OPSDECK_BIN || path.join(repo, 'target/debug/opsdeck')}" serve`,
    url: `${baseURL}/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      ...process.env,
      OPSDECK_ADDR: `127.0.0.1:${port}`,
      OPSDECK_SITE_ROOT: process.env.OPSDECK_SITE_ROOT || path.join(repo, 'target/site'),
      DATABASE_URL: process.env.OPSDECK_E2E_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/opsdeck_e2e',
      OPSDECK_REDIS_PREFIX: 'e2e:',
      OPSDECK_LOG: 'warn',
    },
  },
});
