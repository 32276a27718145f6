// A real OpenTelemetry client: the official Node.js SDK's two OTLP/HTTP log
// exporters (protobuf with gzip, and JSON) send a line each to the test
// server; the exporters must report success, and support staff then find
// both lines on the Logs page by their unique word.
const { execFile } = require('child_process');
const fs = require('fs');
const path = require('path');
const { promisify } = require('util');
const { test, expect, signIn } = require('./fixtures');
const { baseURL, logsKeyFile } = require('../e2e-env');

const run = promisify(execFile);

test('lines sent by the OpenTelemetry SDK are found on the Logs page', async ({ page }) => {
  const word = `otelword${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
  const key = fs.readFileSync(logsKeyFile, 'utf8').trim();
  const script = path.join(__dirname, '..', 'otel', 'send-logs.js');
  const { stdout } = await run(process.execPath, [script, '--url', baseURL, '--key', key, '--word', word], {
    timeout: 20_000,
  });
  const report = JSON.parse(stdout);
  // Independent of the page: each exporter reported ExportResultCode.SUCCESS (0).
  for (const exporter of ['proto', 'http']) {
    expect(report[exporter].results.length, `${exporter} exported`).toBeGreaterThan(0);
    for (const result of report[exporter].results) {
      expect(result, `${exporter} export result`).toEqual({ code: 0 });
    }
  }

  await signIn(page, 'support');
  await page.goto(`/logs?q=${encodeURIComponent(word)}`);
  for (const exporter of ['proto', 'http']) {
    await expect(page.locator('.log-body', { hasText: `otel ${exporter} line ${word}` })).toBeVisible();
  }
});
