#!/usr/bin/env node
// Sends errors to Opsdeck with the official Sentry SDK for Node.js
// (@sentry/node), pointed at a DSN from Settings › API keys: an exception
// thrown from a named function (so its stack trace has in-app frames), and
// a message; both with a breadcrumb, a user and a release. WORD goes into
// both, so a search for it finds them.
//
//   node sentry/send-errors.js --dsn http://odk_…@127.0.0.1:3000/1 --word W [--release R]
//
// Prints one JSON object: the HTTP status Opsdeck answered for each event
// the SDK sent ({ "statusCode": 200 } is success) and the event ids. Exits
// 0 only if both events were sent and answered 200.
const Sentry = require('@sentry/node');

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    out[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  if (!out.dsn || !out.word) {
    throw new Error('usage: send-errors.js --dsn DSN --word WORD [--release R]');
  }
  return out;
}

// The exception is thrown, and the message sent, from functions named
// after WORD: grouping goes by the in-app frames, so the same functions
// would (rightly) join the issues of an earlier run; this way each run is
// its own two bugs, and its own two issues.
function namedAfter(word) {
  const order = `placeOrder_${word}`;
  const retry = `retryPayment_${word}`;
  return {
    [order](cart) {
      // An object that is not there: the TypeError real code gets.
      if (!cart.items) {
        throw new TypeError(`checkout failed for cart ${word} with 3 items`);
      }
    },
    [retry]() {
      return Sentry.captureMessage(`payment retried for ${word}`, 'warning');
    },
    order,
    retry,
  };
}

async function main() {
  const options = args(process.argv.slice(2));
  const sent = [];
  Sentry.init({
    dsn: options.dsn,
    release: options.release || 'e2e-shop@1.2.3',
    environment: 'e2e',
    tracesSampleRate: 0,
    // One-shot script: no process-wide hooks, no performance instrumentation.
    skipOpenTelemetrySetup: true,
  });
  Sentry.getClient().on('afterSendEvent', (event, response) => {
    sent.push({ eventId: event.event_id, statusCode: response && response.statusCode });
  });
  Sentry.setUser({ id: `user-${options.word}`, email: 'ann@example.com' });
  Sentry.addBreadcrumb({ category: 'cart', message: `added item to cart ${options.word}`, level: 'info' });
  const calls = namedAfter(options.word);
  let exceptionId;
  try {
    calls[calls.order]({ items: undefined });
  } catch (error) {
    exceptionId = Sentry.captureException(error);
  }
  const messageId = calls[calls.retry]();
  const flushed = await Sentry.flush(10000);
  const report = { flushed, exceptionId, messageId, sent };
  process.stdout.write(JSON.stringify(report));
  const ok = flushed && sent.length === 2 && sent.every((s) => s.statusCode === 200);
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(2);
});
