#!/usr/bin/env python3
"""Reports file-level import cycles in the workspace's crates, and the emulator's
layering rules.

For every crates/*/src/**/*.rs file it reads the module tree (`mod x;` declarations,
`#[path]` is not used in this workspace) and the paths each file names: `use crate::…`,
`use super::…`, `use self::…`, `use <child>::…`, and `crate::a::b`, `super::a`,
`self::a`, `<child>::a` paths in code. Each path is resolved to the file of the
deepest module it names (an item re-exported by a parent counts as the parent: import
from the file that defines it). A `mod x;` declaration is an edge from the parent to
the child. Comments, string literals and `#[cfg(test)] mod tests { … }` bodies are
skipped.

An import cycle is a strongly connected component of more than one file. For the
emulator it also checks the planes: core files (store, clock, error, html, origin)
import no plane; `data/` never imports `admin/`; `oauth/` never imports `data/` or
`admin/`; no plane or core file imports the root (lib.rs, emulator.rs, server.rs).

    scripts/import-cycles.py                       # every crate
    scripts/import-cycles.py --crate netsuite-emulator
    scripts/import-cycles.py --edges --crate netsuite-emulator   # print the graph too

Exit status 1 when anything is found.
"""

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EMULATOR = "netsuite-emulator"
CORE = {"store", "clock", "error", "html", "origin"}
ROOT_FILES = {"lib.rs", "emulator.rs", "server.rs"}
PLANES = {"oauth", "data", "admin"}
# plane -> planes it must not import
FORBIDDEN = {"data": {"admin"}, "oauth": {"data", "admin"}}


def strip_source(text):
    """Blanks comments, string and char literals (keeping line structure)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(" " + "\n" * text.count("\n", i, j))
            i = j
            continue
        m = re.match(r'(b|c)?r(#*)"', text[i:i + 260]) if c in "brc" else None
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = '"' + m.group(2)
            j = text.find(close, i + m.end())
            j = n if j < 0 else j + len(close)
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
            continue
        if c == "'":
            # a char literal ('a', '\n', '\u{1F600}') or a lifetime ('a)
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:i + 12])
            if m:
                out.append("' '")
                i += m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def drop_test_modules(code):
    """Removes `#[cfg(test)] mod NAME { … }` bodies."""
    while True:
        m = re.search(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{", code)
        if not m:
            return code
        depth, j = 1, m.end()
        while j < len(code) and depth:
            if code[j] == "{":
                depth += 1
            elif code[j] == "}":
                depth -= 1
            j += 1
        code = code[: m.start()] + "\n" * code.count("\n", m.start(), j) + code[j:]


def expand_use(tree):
    """`a::{b, c::{d as e}}` -> [('a::b', 'b'), ('a::c::d', 'e')]: each path with the
    name it binds."""
    tree = re.sub(r"\s+as\s+(\w+)", r"@\1", tree)
    tree = re.sub(r"\s+", "", tree)
    out = []
    for e in _expand(tree):
        path, _, alias = e.partition("@")
        name = alias or path.rsplit("::", 1)[-1]
        out.append((path, name))
    return out


def _expand(t):
    i = t.find("{")
    if i < 0:
        return [t] if t else []
    prefix = t[:i]
    depth, j = 0, i
    while j < len(t):
        if t[j] == "{":
            depth += 1
        elif t[j] == "}":
            depth -= 1
            if depth == 0:
                break
        j += 1
    inner, rest = t[i + 1 : j], t[j + 1 :]
    parts, depth, start = [], 0, 0
    for k, ch in enumerate(inner):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:k])
            start = k + 1
    parts.append(inner[start:])
    out = []
    for p in parts:
        if not p:
            continue
        for e in _expand(p):
            out.append(prefix + e + rest if e != "self" else prefix.rstrip(":") + rest)
    return out


class Crate:
    def __init__(self, path):
        self.name = path.name
        self.src = path / "src"
        self.modules = {}  # module path tuple -> file
        self.children = {}  # module path tuple -> set of child names
        self.bindings = {}  # module path tuple -> {name: path segments} from `use`
        self.roots = []
        for root in ("lib.rs", "main.rs"):
            if (self.src / root).exists():
                self.roots.append(self.src / root)
        for bin_ in sorted((self.src / "bin").glob("*.rs")) if (self.src / "bin").is_dir() else []:
            self.roots.append(bin_)
        self.code = {}
        for root in self.roots:
            self._walk((root.stem,) if root.parent.name == "bin" else (), root, root.parent)

    def _walk(self, mpath, file, dir_):
        if mpath in self.modules:
            return
        self.modules[mpath] = file
        code = drop_test_modules(strip_source(file.read_text()))
        self.code[file] = (mpath, code)
        kids = set()
        for m in re.finditer(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", code, re.M):
            name = m.group(1)
            kids.add(name)
            for cand in (dir_ / f"{name}.rs", dir_ / name / "mod.rs"):
                if cand.exists():
                    sub_dir = cand.parent if cand.name == "mod.rs" else dir_ / name
                    self._walk(mpath + (name,), cand, sub_dir)
                    break
        self.children[mpath] = kids
        binds = {}
        for m in re.finditer(r"\buse\s+([^;]+);", code):
            for path, name in expand_use(m.group(1)):
                if name not in ("*", "_", "self"):
                    binds[name] = [x for x in path.split("::") if x]
        self.bindings[mpath] = binds

    def resolve(self, mpath, segments, depth=0):
        """The file that defines what `segments` names, seen from module `mpath`: the
        deepest module it walks through, following `use` bindings (re-exports) to the
        file that defines the item. `None` for other crates and std."""
        if not segments or depth > 16:
            return None
        head = segments[0]
        if head == "crate":
            base, rest = (), segments[1:]
        elif head in ("super", "self"):
            base = mpath
            rest = segments
            while rest and rest[0] in ("super", "self"):
                if rest[0] == "super":
                    base = base[:-1]
                rest = rest[1:]
        elif head in self.children.get(mpath, ()):
            base, rest = mpath, segments
        elif head in self.bindings.get(mpath, {}):
            target = self.bindings[mpath][head]
            if target == segments[:1]:
                return None
            return self.resolve(mpath, target + segments[1:], depth + 1)
        else:
            return None  # an external crate, std, or a local item
        cur = base
        for i, seg in enumerate(rest):
            if seg in self.children.get(cur, ()) and cur + (seg,) in self.modules:
                cur = cur + (seg,)
                continue
            bound = self.bindings.get(cur, {}).get(seg)
            if bound is not None:
                found = self.resolve(cur, bound + rest[i + 1 :], depth + 1)
                if found is not None:
                    return found
            break
        return self.modules.get(cur)

    def edges(self):
        graph = {f: set() for f in self.code}
        for file, (mpath, code) in self.code.items():
            targets = set()
            paths = []
            for m in re.finditer(r"\buse\s+([^;]+);", code):
                paths.extend(path for path, _ in expand_use(m.group(1)))
            rest = re.sub(r"\buse\s+[^;]+;", "", code)
            for m in re.finditer(r"(?<![\w:])((?:crate|super|self|[a-z_][a-z0-9_]*)(?:::\w+)+)", rest):
                paths.append(m.group(1))
            for p in paths:
                segs = [s for s in p.split("::") if s]
                if segs and segs[0] == "":
                    continue
                t = self.resolve(mpath, segs)
                if t is not None and t != file:
                    targets.add(t)
            graph[file] = targets
        return graph


def sccs(graph):
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
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
            out.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def layer(src, file):
    rel = file.relative_to(src)
    top = rel.parts[0]
    if len(rel.parts) == 1:
        if rel.name in ROOT_FILES:
            return "root"
        if rel.stem in CORE:
            return "core"
        return "other"
    return top if top in PLANES else ("core" if top in CORE else "other")


def check_layers(crate, graph):
    problems = []
    for f, targets in sorted(graph.items()):
        lf = layer(crate.src, f)
        if lf == "other":
            problems.append(f"{f.relative_to(crate.src)} is in no layer (core, oauth, data, admin, root)")
        for t in sorted(targets):
            lt = layer(crate.src, t)
            if lf == lt or lf == "root":
                continue
            bad = (
                (lf == "core" and lt != "core")
                or (lt == "root")
                or (lt in FORBIDDEN.get(lf, ()))
            )
            if bad:
                problems.append(
                    f"{f.relative_to(crate.src)} ({lf}) imports {t.relative_to(crate.src)} ({lt})"
                )
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--crate", action="append", help="check only this crate (repeatable)")
    ap.add_argument("--edges", action="store_true", help="print every file's imports")
    ap.add_argument("--root", type=Path, default=ROOT, help="the workspace (default: this one)")
    args = ap.parse_args()
    crates_dir = args.root / "crates"
    names = sorted(p.name for p in crates_dir.iterdir() if (p / "src").is_dir())
    if args.crate:
        unknown = [c for c in args.crate if c not in names]
        if unknown:
            print(f"error: no crate named {', '.join(unknown)} under crates/", file=sys.stderr)
            return 2
        names = [n for n in names if n in args.crate]
    failed = False
    for name in names:
        crate = Crate(crates_dir / name)
        graph = crate.edges()
        rel = lambda f: str(f.relative_to(crate.src))  # noqa: E731
        if args.edges:
            for f in sorted(graph, key=rel):
                print(f"{name}: {rel(f)} -> {', '.join(sorted(map(rel, graph[f]))) or '-'}")
        cycles = [sorted(map(rel, c)) for c in sccs(graph) if len(c) > 1]
        for c in sorted(cycles):
            failed = True
            print(f"{name}: import cycle among {len(c)} files: {', '.join(c)}")
        if name == EMULATOR:
            for p in check_layers(crate, graph):
                failed = True
                print(f"{name}: layering: {p}")
        edges = sum(len(t) for t in graph.values())
        status = "ok" if not cycles else f"{len(cycles)} cycle(s)"
        print(f"{name}: {len(graph)} files, {edges} file-level imports, {status}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
