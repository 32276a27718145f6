#!/usr/bin/env node
// A small web service traced with the official OpenTelemetry SDK for Node.js:
// every request to one of its routes makes a SERVER span (a CLIENT span for
// its database query below it), which the OTLP/HTTP trace exporter sends to
// Opsdeck's /v1/traces as protobuf (gzip-compressed), or as JSON with --json.
//
//   node otel/traced-server.js --url http://127.0.0.1:3000 --key odk_… --service S [--json]
//
// It listens on 127.0.0.1 (a free port) and prints one line, {"port": N},
// once it is ready. Routes:
//   GET  /orders/<n>  200; spans `GET /orders/{id}` and, below it, `SELECT orders`
//   GET  /fail        500; span status ERROR with an exception
//   POST /flush       exports every ended span; answers {"results": [...]}, each
//                     export result the exporter reported so far ({"code": 0} is success)
//   GET  /trace-ids   the trace ids (hex) of the SERVER spans made so far, in order
// The two control routes make no spans: Opsdeck gets exactly the test's requests.
// SIGTERM shuts the provider down (exporting what is left) and exits 0.
const http = require('http');
const { reply, flush, guarded, serve, run, recording } = require('./serve');
const os = require('os');
const { SpanKind, SpanStatusCode, context, trace } = require('@opentelemetry/api');
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { OTLPTraceExporter: ProtoExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OTLPTraceExporter: JsonExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');

const USAGE = 'usage: traced-server.js --url URL --key KEY --service NAME [--json]';

function args(argv) {
  const out = { json: false };
  for (let i = 0; i < argv.length; i += 1) {
    const name = argv[i].replace(/^--/, '');
    if (name === 'json') {
      out.json = true;
    } else if (['url', 'key', 'service'].includes(name) && i + 1 < argv.length) {
      out[name] = argv[i + 1];
      i += 1;
    } else {
      throw new Error(USAGE);
    }
  }
  if (!out.url || !out.key || !out.service) throw new Error(USAGE);
  return out;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function main() {
  const options = args(process.argv.slice(2));
  const url = `${options.url.replace(/\/$/, '')}/v1/traces`;
  const headers = { Authorization: `Bearer ${options.key}` };
  const exporter = options.json
    ? new JsonExporter({ url, headers, timeoutMillis: 5_000 })
    : new ProtoExporter({ url, headers, compression: 'gzip', timeoutMillis: 5_000 });
  const wrapped = recording(exporter);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.service,
      'host.name': os.hostname(),
    }),
    spanProcessors: [new BatchSpanProcessor(wrapped)],
  });
  const tracer = provider.getTracer('opsdeck-e2e-traced-server', '1.0.0');
  const traceIds = [];

  // One traced request: a SERVER span named by the route template, as an
  // HTTP instrumentation would make it; `handle` fills in the response.
  async function traced(req, res, route, handle) {
    const span = tracer.startSpan(`${req.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': req.method,
        'http.route': route,
        'url.path': new URL(req.url, 'http://localhost').pathname,
      },
    });
    traceIds.push(span.spanContext().traceId);
    let status = 500;
    let body = { error: 'internal' };
    try {
      [status, body] = await handle(span, trace.setSpan(context.active(), span));
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      span.recordException(error);
    }
    span.setAttribute('http.response.status_code', status);
    // Ended before the answer: once the client has it, /flush exports the span.
    span.end();
    reply(res, status, body);
  }

  async function order(id, span, parent) {
    const query = tracer.startSpan(
      'SELECT orders',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.query.text': 'SELECT * FROM orders WHERE id = $1',
        },
      },
      parent,
    );
    await sleep(5 + Math.floor(Math.random() * 16));
    query.end();
    span.addEvent('order loaded', { 'order.id': id });
    return [200, { id, status: 'shipped' }];
  }

  async function fail(span) {
    const error = new Error('payment backend refused');
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    return [500, { error: error.message }];
  }

  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname;
    const orderMatch = /^\/orders\/(\d+)$/.exec(path);
    let handled;
    if (req.method === 'GET' && orderMatch) {
      handled = traced(req, res, '/orders/{id}', (span, parent) => order(Number(orderMatch[1]), span, parent));
    } else if (req.method === 'GET' && path === '/fail') {
      handled = traced(req, res, '/fail', fail);
    } else if (req.method === 'POST' && path === '/flush') {
      handled = flush(res, provider, wrapped.results);
    } else if (req.method === 'GET' && path === '/trace-ids') {
      reply(res, 200, traceIds);
      return;
    } else {
      reply(res, 404, { error: 'not found' });
      return;
    }
    guarded(res, handled);
  });
  serve(server, provider);
}

run(main);
