#!/usr/bin/env python3
"""Lists the non-test `.rs` files of `app/src` and `server/src` longer than
400 lines; exits 1 when there is one, so a file that outgrows its subject
fails the test command. A file's inline `#[cfg(test)] mod tests { … }`
counts: move tests into a sibling `tests.rs` instead.

    scripts/long_files.py [SRC_ROOT ...]
"""

import os
import sys

LIMIT = 400


def main(roots):
    here = os.path.dirname(os.path.abspath(__file__))
    roots = roots or [os.path.join(here, "..", "app", "src"), os.path.join(here, "..", "server", "src")]
    long = []
    for root in roots:
        for folder, _, files in os.walk(root):
            for name in files:
                if not name.endswith(".rs") or name == "tests.rs" or folder.endswith(os.sep + "tests"):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as source:
                    lines = sum(1 for _ in source)
                if lines > LIMIT:
                    long.append((lines, os.path.relpath(path, os.path.join(here, ".."))))
    for lines, path in sorted(long, reverse=True):
        print(f"{path}: {lines} lines (limit {LIMIT})")
    if long:
        print(f"{len(long)} file(s) over {LIMIT} lines: split them by subject")
        return 1
    print(f"no source file over {LIMIT} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
