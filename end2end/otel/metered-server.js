#!/usr/bin/env node
// A small web service measured with the official OpenTelemetry metrics SDK
// for Node.js: every request to one of its routes is recorded in the HTTP
// semantic conventions' `http.server.request.duration` histogram (seconds),
// each order counts in `orders.placed` (a monotonic counter), and
// `queue.depth` is an observable gauge. The OTLP/HTTP metric exporter sends
// them, cumulative as the SDK does by default, to Opsdeck's /v1/metrics as
// protobuf (gzip-compressed).
//
//   node otel/metered-server.js --url http://127.0.0.1:3000 --key odk_… --service S
//
// It listens on 127.0.0.1 (a free port) and prints one line, {"port": N},
// once it is ready. Routes:
//   GET  /orders/<n>  200 (counted in orders.placed)
//   GET  /fail        500
//   POST /flush       collects and exports every metric now; answers
//                     {"results": [...]}, each export result the exporter
//                     reported so far ({"code": 0} is success)
// The control route is not measured: Opsdeck gets exactly the test's requests.
// SIGTERM shuts the provider down (exporting what is left) and exits 0.
const http = require('http');
const { reply, flush, guarded, serve, run, recording } = require('./serve');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-proto');
const { resourceFromAttributes } = require('@opentelemetry/resources');

const USAGE = 'usage: metered-server.js --url URL --key KEY --service NAME';
// The buckets the HTTP semantic conventions advise for request durations.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const QUEUE_DEPTH = 3;

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!['url', 'key', 'service'].includes(name) || i + 1 >= argv.length) throw new Error(USAGE);
    out[name] = argv[i + 1];
  }
  if (!out.url || !out.key || !out.service) throw new Error(USAGE);
  return out;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function main() {
  const options = args(process.argv.slice(2));
  const exporter = new OTLPMetricExporter({
    url: `${options.url.replace(/\/$/, '')}/v1/metrics`,
    headers: { Authorization: `Bearer ${options.key}` },
    compression: 'gzip',
    timeoutMillis: 5_000,
  });
  const wrapped = recording(exporter, {
    selectAggregationTemporality: (kind) => exporter.selectAggregationTemporality(kind),
    selectAggregation: (kind) => exporter.selectAggregation(kind),
  });
  // Exports only when the test asks (/flush) or at shutdown.
  const reader = new PeriodicExportingMetricReader({ exporter: wrapped, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': options.service }),
    readers: [reader],
  });
  const meter = provider.getMeter('opsdeck-e2e-metered-server', '1.0.0');
  const duration = meter.createHistogram('http.server.request.duration', {
    unit: 's',
    description: 'Duration of HTTP server requests.',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const placed = meter.createCounter('orders.placed', { unit: '{order}' });
  meter.createObservableGauge('queue.depth', { unit: '{job}' }).addCallback((result) => result.observe(QUEUE_DEPTH));

  // One measured request, as an HTTP instrumentation would record it.
  async function measured(req, res, route, handle) {
    const started = process.hrtime.bigint();
    const [status, body] = await handle();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    duration.record(seconds, {
      'http.request.method': req.method,
      'http.route': route,
      'http.response.status_code': status,
    });
    reply(res, status, body);
  }

  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname;
    const orderMatch = /^\/orders\/(\d+)$/.exec(path);
    let handled;
    if (req.method === 'GET' && orderMatch) {
      handled = measured(req, res, '/orders/{id}', async () => {
        await sleep(5 + Math.floor(Math.random() * 16));
        placed.add(1, { region: 'eu' });
        return [200, { id: Number(orderMatch[1]) }];
      });
    } else if (req.method === 'GET' && path === '/fail') {
      handled = measured(req, res, '/fail', async () => [500, { error: 'payment backend refused' }]);
    } else if (req.method === 'POST' && path === '/flush') {
      handled = flush(res, provider, wrapped.results);
    } else {
      reply(res, 404, { error: 'not found' });
      return;
    }
    guarded(res, handled);
  });
  serve(server, provider);
}

run(main);
