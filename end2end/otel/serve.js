// What the small SDK-instrumented services in otel/ share: JSON answers,
// the /flush route's answer, a handler's failure, and the life cycle (listen
// on a free port and print {"port": N}; on SIGTERM stop listening, shut the
// SDK provider down — exporting what is left — and exit 0).

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

// Exports everything now; answers each export result so far. A failed
// export rejects the flush; the results say why.
function flush(res, provider, results) {
  return provider
    .forceFlush()
    .catch(() => {})
    .then(() => reply(res, 200, { results }));
}

// A handler's promise whose failure is logged and answered 500.
function guarded(res, handled) {
  handled.catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    if (!res.headersSent) reply(res, 500, { error: String(error) });
  });
}

function serve(server, provider) {
  process.on('SIGTERM', () => {
    server.close();
    provider
      .shutdown()
      .catch((error) => process.stderr.write(`shutdown: ${error.stack || error}\n`))
      .finally(() => process.exit(0));
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
  });
}

// Wraps an SDK exporter to keep what it reported to the SDK for each
// export (`results`); `extra` adds methods a reader asks of its exporter
// (a metrics reader asks which temporality and aggregation to use).
function recording(exporter, extra = {}) {
  const results = [];
  return {
    results,
    export(items, done) {
      exporter.export(items, (result) => {
        results.push({ code: result.code, error: result.error ? String(result.error) : undefined });
        done(result);
      });
    },
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    ...extra,
  };
}

// Runs `main`, exiting 2 with the error when it throws.
function run(main) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(2);
  }
}

module.exports = { reply, flush, guarded, serve, run, recording };
