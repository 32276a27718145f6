#!/usr/bin/env python3
"""Sends errors to Opsdeck with the official Sentry SDK for Python
(sentry-sdk), pointed at a DSN from Settings > API keys: an exception
raised from a function named after WORD (so its stack trace has in-app
frames) and a message; both with a breadcrumb, a user and a release.

    python sentry/send_errors.py --dsn http://odk_...@127.0.0.1:3000/1 --word W [--release R]

Prints one JSON object: the event ids and any problem the SDK reported
sending them (an answer other than 200 is logged by the SDK as
"Unexpected status code"). Exits 0 only if both were sent without one.
"""

import argparse
import json
import logging
import sys

import sentry_sdk


class Problems(logging.Handler):
    """Collects what the SDK logs at warning and above (failed sends)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def named_after(word):
    """Two functions whose names carry WORD, so each run is its own issues."""

    def place_order(cart):
        if "items" not in cart:
            raise ValueError(f"invoice failed for cart {word} without items")

    # Stack frames name the code object, not the function object.
    name = f"place_order_{word}"
    place_order.__code__ = place_order.__code__.replace(co_name=name, co_qualname=name)
    place_order.__name__ = place_order.__qualname__ = name
    return place_order


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--word", required=True)
    parser.add_argument("--release", default="e2e-billing@2.0.0")
    options = parser.parse_args()

    problems = Problems()
    logging.getLogger("sentry_sdk.errors").addHandler(problems)
    sentry_sdk.init(
        dsn=options.dsn,
        release=options.release,
        environment="e2e",
        debug=True,
        traces_sample_rate=0,
        default_integrations=False,
        # The functions below are this service's own code wherever the script runs from.
        in_app_include=["__main__"],
        send_client_reports=False,
    )
    sentry_sdk.set_user({"id": f"user-{options.word}", "email": "bob@example.com"})
    sentry_sdk.add_breadcrumb(category="billing", message=f"opened invoice {options.word}", level="info")
    place_order = named_after(options.word)
    try:
        place_order({})
    except ValueError:
        exception_id = sentry_sdk.capture_exception()
    message_id = sentry_sdk.capture_message(f"invoice retried for {options.word}", level="warning")
    sentry_sdk.flush(timeout=10)
    failed = [m for m in problems.messages if "status code" in m.lower() or "failed" in m.lower()]
    report = {"exceptionId": exception_id, "messageId": message_id, "problems": failed}
    sys.stdout.write(json.dumps(report))
    return 0 if exception_id and message_id and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
