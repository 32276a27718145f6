#!/usr/bin/env python3
"""Finds import circles between the files of a crate.

Reads every `crate::…`, `super::…` and `self::…` path (in `use` lines and
in code, comments and strings left out) of the `.rs` files under each
source root given (default: `app/src` and `server/src`), resolves each to
the file that defines the module it names (the longest prefix that is a
file: `a/b.rs` or `a/b/mod.rs`; an inline `mod x { … }` belongs to its
file), and prints every circle between files. Inline `mod tests` blocks
are skipped: a test may use what it likes.

Exits 1 when a circle is found, so a new one fails the test command.

    scripts/import_cycles.py [SRC_ROOT ...]
"""

import os
import re
import sys

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def strip(text):
    """The source with comments, strings and char literals blanked out."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            out.append(" ")
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            i = n if j < 0 else j + len(end)
            out.append('""')
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            if m:
                i += len(m.group(0))
                out.append("' '")
            else:  # a lifetime
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def module_of(root, path):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return tuple(rel)


def parse_tree(text, i):
    """Parses a use tree at `i`: returns (list of paths, end index)."""
    paths = []
    prefix = []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i < len(text) and text[i] == "{":
            i += 1
            while True:
                sub, i = parse_tree(text, i)
                paths += [prefix + p for p in sub]
                while i < len(text) and text[i].isspace():
                    i += 1
                if i < len(text) and text[i] == ",":
                    i += 1
                    continue
                if i < len(text) and text[i] == "}":
                    i += 1
                break
            return paths, i
        m = IDENT.match(text, i)
        if not m:
            if text.startswith("*", i):
                i += 1
            return ([prefix] if prefix else [[]]), i
        prefix.append(m.group(0))
        i = m.end()
        j = i
        while j < len(text) and text[j].isspace():
            j += 1
        if text.startswith("::", j):
            i = j + 2
        else:
            return [prefix], i


def scopes(text):
    """For each offset, the inline module path (list) it is in, via a list of
    (start, end, names) spans; `mod tests` spans are reported separately."""
    spans = []
    stack = []  # (name or None, depth at opening)
    depth = 0
    pending = None
    for m in re.finditer(r"\bmod\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{|[{}]", text):
        tok = m.group(0)
        if tok.startswith("mod"):
            depth += 1
            stack.append((m.group(1), depth, m.start()))
        elif tok == "{":
            depth += 1
        else:
            if stack and stack[-1][1] == depth:
                name, _, start = stack.pop()
                spans.append((start, m.end(), [s[0] for s in stack] + [name]))
            depth -= 1
    del pending
    return spans


def inline_path(spans, pos):
    best = []
    for start, end, names in spans:
        if start <= pos < end and len(names) > len(best):
            best = names
    return best


def edges_of(root, path, files):
    text = strip(open(path, encoding="utf-8").read())
    here = module_of(root, path)
    spans = scopes(text)
    found = set()
    for m in re.finditer(r"(?<![A-Za-z0-9_:])(crate|super|self)\s*::", text):
        inline = inline_path(spans, m.start())
        if "tests" in inline:
            continue
        trees, _ = parse_tree(text, m.end())
        for tail in trees:
            kw = m.group(1)
            if kw == "crate":
                base = []
            else:
                base = list(here) + inline
                if kw == "super":
                    base = base[:-1]
            segments = list(tail)
            while segments and segments[0] == "super":
                base, segments = base[:-1], segments[1:]
            full = base + segments
            # The longest prefix that is a file.
            for k in range(len(full), -1, -1):
                target = files.get(tuple(full[:k]))
                if target:
                    if target != path:
                        found.add(target)
                    break
    return found


def cycles(graph):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def one_circle(graph, comp):
    """A shortest circle through the component's first file, as a path."""
    members = set(comp)
    start = comp[0]
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v]):
            if w not in members:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


def main(roots):
    failed = False
    for root in roots:
        files = {}
        for dirpath, _, names in os.walk(root):
            for name in names:
                if name.endswith(".rs"):
                    p = os.path.join(dirpath, name)
                    files[module_of(root, p)] = p
        graph = {p: edges_of(root, p, files) for p in files.values()}
        found = cycles(graph)
        edges = sum(len(v) for v in graph.values())
        if not found:
            print(f"{root}: no import circle ({len(graph)} files, {edges} imports)")
            continue
        failed = True
        print(f"{root}: {len(found)} import circle(s)")
        for comp in found:
            print(f"  {len(comp)} files tied together: " + ", ".join(os.path.relpath(p, root) for p in comp))
            circle = one_circle(graph, comp)
            print("    e.g. " + " -> ".join(os.path.relpath(p, root) for p in circle))
    return 1 if failed else 0


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    default = [os.path.join(here, "..", "app", "src"), os.path.join(here, "..", "server", "src")]
    sys.exit(main([os.path.normpath(p) for p in (sys.argv[1:] or default)]))
