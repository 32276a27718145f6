#!/usr/bin/env node
// Sends log lines to Opsdeck with the official OpenTelemetry SDK for Node.js,
// once through each OTLP/HTTP log exporter: protobuf (gzip-compressed) and
// JSON. Each line's body carries WORD, so a search for it finds both.
//
//   node otel/send-logs.js --url http://127.0.0.1:3000 --key odk_… --word W [--service S]
//
// Prints one JSON object: per exporter, the export result the exporter
// reported ({ "code": 0 } is success) and the body it sent. Exits 0 only if
// every export succeeded.
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { OTLPLogExporter: ProtoExporter } = require('@opentelemetry/exporter-logs-otlp-proto');
const { OTLPLogExporter: JsonExporter } = require('@opentelemetry/exporter-logs-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    out[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  if (!out.url || !out.key || !out.word) {
    throw new Error('usage: send-logs.js --url URL --key KEY --word WORD [--service NAME]');
  }
  return out;
}

// Wraps an exporter to keep what it reported to the SDK for each export.
function recording(exporter) {
  const results = [];
  return {
    results,
    export(records, done) {
      exporter.export(records, (result) => {
        results.push({ code: result.code, error: result.error ? String(result.error) : undefined });
        done(result);
      });
    },
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
  };
}

async function send(name, exporter, options) {
  const wrapped = recording(exporter);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      'service.name': options.service,
      'host.name': `e2e-${name}`,
    }),
    processors: [new BatchLogRecordProcessor({ exporter: wrapped })],
  });
  const body = `otel ${name} line ${options.word}`;
  provider.getLogger('opsdeck-e2e', '1.0.0').emit({
    severityNumber: 13,
    severityText: 'WARN',
    body,
    attributes: { exporter: name, 'order.id': 42 },
  });
  await provider.forceFlush();
  await provider.shutdown();
  return { body, results: wrapped.results };
}

async function main() {
  const options = { service: 'otel-e2e', ...args(process.argv.slice(2)) };
  const url = `${options.url.replace(/\/$/, '')}/v1/logs`;
  const headers = { Authorization: `Bearer ${options.key}` };
  const report = {
    proto: await send('proto', new ProtoExporter({ url, headers, compression: 'gzip' }), options),
    http: await send('http', new JsonExporter({ url, headers }), options),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  const ok = Object.values(report).every(
    (sent) => sent.results.length > 0 && sent.results.every((result) => result.code === 0),
  );
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(2);
});
