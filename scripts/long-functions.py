#!/usr/bin/env python3
"""Lists functions longer than N lines (default 120) in the given crates' src/, and
the longest function of each crate.

A function's length is the number of lines from its `fn` line to its closing brace,
both included; comments and blank lines inside count (it is the length a reader
scrolls). Test code (`#[cfg(test)] mod … { … }` bodies) is left out.

    scripts/long-functions.py                           # every crate, N = 120
    scripts/long-functions.py --max 120 netsuite-emulator
    scripts/long-functions.py --top 10 netsuite-emulator   # the ten longest

Exit status 1 when a function is longer than N.
"""

import argparse
import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_spec = importlib.util.spec_from_file_location("import_cycles", ROOT / "scripts" / "import-cycles.py")
_ic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ic)

FN = re.compile(r"\bfn\s+(\w+)\s*(?:<|\()")


def functions(code):
    """(name, first line, last line) of every function with a body in `code`."""
    out = []
    for m in FN.finditer(code):
        # the body starts at the first `{` after the signature, unless a `;` comes
        # first (a declaration in a trait or an extern block)
        depth, j = 0, m.end()
        while j < len(code):
            ch = code[j]
            if ch in "(<[":
                depth += 1
            elif ch in ")>]":
                depth -= 1
            elif ch == ";" and depth <= 0:
                j = -1
                break
            elif ch == "{" and depth <= 0:
                break
            j += 1
        if j < 0 or j >= len(code):
            continue
        braces, k = 1, j + 1
        while k < len(code) and braces:
            if code[k] == "{":
                braces += 1
            elif code[k] == "}":
                braces -= 1
            k += 1
        first = code.count("\n", 0, m.start()) + 1
        last = code.count("\n", 0, k - 1) + 1
        out.append((m.group(1), first, last))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("crates", nargs="*", help="crate names under crates/ (default: all)")
    ap.add_argument("--max", type=int, default=120, help="longest allowed, in lines")
    ap.add_argument("--top", type=int, default=0, help="also list the N longest")
    ap.add_argument("--root", type=Path, default=ROOT, help="the workspace (default: this one)")
    args = ap.parse_args()
    crates_dir = args.root / "crates"
    names = sorted(p.name for p in crates_dir.iterdir() if (p / "src").is_dir())
    unknown = [c for c in args.crates if c not in names]
    if unknown:
        print(f"error: no crate named {', '.join(unknown)} under crates/", file=sys.stderr)
        return 2
    failed = False
    for name in args.crates or names:
        src = crates_dir / name / "src"
        found = []
        for f in sorted(src.rglob("*.rs")):
            # `'` in lifetimes is kept by strip_source; char literals are blanked
            code = _ic.drop_test_modules(_ic.strip_source(f.read_text()))
            for fn, first, last in functions(code):
                found.append((last - first + 1, f"{f.relative_to(src)}:{first}", fn))
        found.sort(key=lambda x: (-x[0], x[1]))
        for n, where, fn in found:
            if n > args.max:
                failed = True
                print(f"{name}: {where} {fn}: {n} lines (over {args.max})")
        for n, where, fn in found[: args.top]:
            print(f"{name}: {n:4} lines  {where} {fn}")
        if found:
            n, where, fn = found[0]
            print(f"{name}: longest function {fn} ({where}), {n} lines", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
