#!/usr/bin/env python3
"""Checks every `#[server]` function of `app/src`: its body is at most 15
lines (blank and comment lines not counted) and its first statement is the
one authorisation call, `acting(Permission::X)`, unless a comment saying
`public:` (`// public: …` or `/// Public: …`, above the function or in its
body) says why anyone may call it. Exits 1 when a function breaks either rule,
so a server function that grows its own logic fails the test command: the
logic belongs in the area's `ssr/` services.

    scripts/server_fn_bodies.py [SRC_ROOT ...]
"""

import os
import re
import sys

LIMIT = 15
# What may wrap the first statement: `respond(async { let caller = acting(…)`.
WRAPPERS = ("respond(", "async move {", "async {")
PUBLIC = re.compile(r"//.*\bpublic:", re.IGNORECASE)
# The attribute alone on its line (not an argument's `#[server(default)] x: T`).
ATTRIBUTE = re.compile(r"^#\[server(\(.*\))?\]$")


def code(line):
    """The line without a trailing `//` comment (good enough for this code)."""
    at = line.find("//")
    return (line[:at] if at >= 0 else line).strip()


def body_span(lines, start):
    """The (first, last) index of the lines strictly inside the body of the
    function whose `#[server` attribute is at `start`, or None."""
    i = start
    while i < len(lines) and not re.search(r"\bfn\s+\w+", lines[i]):
        i += 1
    depth_paren = 0
    while i < len(lines):
        text = code(lines[i])
        depth_paren += text.count("(") - text.count(")")
        if depth_paren <= 0 and text.endswith("{"):
            break
        i += 1
    else:
        return None
    open_line, depth = i, 0
    for j in range(open_line, len(lines)):
        text = code(lines[j])
        depth += text.count("{") - text.count("}")
        if depth == 0:
            return open_line + 1, j - 1
    return None


def first_statement(body):
    for line in body:
        text = code(line)
        while text:
            for wrapper in WRAPPERS:
                if text.startswith(wrapper):
                    text = text[len(wrapper) :].strip()
                    break
            else:
                return text
    return ""


def documented_public(lines, attribute, first, last):
    above = attribute - 1
    while above >= 0 and lines[above].strip().startswith(("///", "//", "#[")):
        if PUBLIC.search(lines[above]):
            return True
        above -= 1
    return any(PUBLIC.search(line) for line in lines[first : last + 1])


def check(path, rel):
    with open(path, encoding="utf-8") as source:
        lines = source.read().split("\n")
    problems = []
    for index, line in enumerate(lines):
        if not ATTRIBUTE.match(line.strip()):
            continue
        span = body_span(lines, index)
        name = next((m.group(1) for m in map(lambda l: re.search(r"\bfn\s+(\w+)", l), lines[index:]) if m), "?")
        if span is None:
            problems.append(f"{rel}:{index + 1}: {name}: could not find its body")
            continue
        first, last = span
        body = [l for l in lines[first : last + 1] if code(l)]
        if len(body) > LIMIT:
            problems.append(
                f"{rel}:{first}: {name}: body of {len(body)} lines (limit {LIMIT}): move the work into the area's ssr/"
            )
        if "acting(" not in first_statement(body) and not documented_public(lines, index, first, last):
            problems.append(
                f"{rel}:{first}: {name}: does not start with `acting(Permission::…)` and no `// public:` comment says why"
            )
    return problems


def main(roots):
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.join(here, "..")
    roots = roots or [os.path.join(top, "app", "src")]
    problems, count = [], 0
    for root in roots:
        for folder, _, files in os.walk(root):
            for name in sorted(files):
                if not name.endswith(".rs"):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as source:
                    count += sum(1 for line in source if ATTRIBUTE.match(line.strip()))
                problems += check(path, os.path.relpath(path, top))
    print("\n".join(sorted(problems) + [
        f"{len(problems)} problem(s) in {count} server functions"
        if problems
        else f"{count} server functions: each at most {LIMIT} lines, each starting with `acting(` or documented as public"
    ]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
