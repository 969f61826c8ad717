#!/usr/bin/env python3
"""Writes docs/reference.md: every binary's flags (its own --helpfull) and
the metric families it registers (read from the C++ sources compiled into
it, see sources.bzl).

    gen_reference.py --out FILE --binary NAME LABEL BINARY SOURCES_TXT ...

Paths are relative to the current directory (a Bazel runfiles tree). Run it
through `bazel run //tests/docs:update_reference`; `//tests/docs:reference_test`
fails when docs/reference.md differs from what this prints.
"""

import argparse
import os
import re
import subprocess
import sys

HEADER = """# Flags and metrics reference

Generated from the code by `bazel run //tests/docs:update_reference`
(`tests/docs/gen_reference.py`); `//tests/docs:reference_test` fails when
this file is stale. Do not edit by hand.

For each binary: its flags as its own `--helpfull` prints them, and the
Prometheus metric families the code linked into it registers (served on the
admin port at `/metrics`; a family appears there once it has a sample, e.g.
consumer metrics only with Kafka). Where a binary says so, every flag can
also be set from the environment as `FINEPRINT_<FLAG>` upper-cased
(`--pg_dsn` is `FINEPRINT_PG_DSN`; the command line wins;
`services/runtime/config`). The launcher's own variables are listed by
`./fineprint` without arguments.
"""

# What the code alone does not say.
NOTES = {
    "fineprint_edge": "The edge is assembled by the service kit but stateless "
                      "(no database): it runs no outbox relay and no consumer, so "
                      "the `fineprint_outbox_*` and `fineprint_consumer_*` families "
                      "linked into it stay empty.",
    "identity_server": "The relay, consumer and revocation families have samples "
                       "only with `--kafka_bootstrap_servers`.",
    "analysis_server": "The relay, consumer and revocation families have samples "
                       "only with `--kafka_bootstrap_servers`.",
}

# A registration: Get{Counter,Gauge,Histogram}( <name expr>, <help>, {labels}
CALL = re.compile(r"\bGet(Counter|Gauge|Histogram)\s*\(")
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
CONSTANT = re.compile(r'constexpr\s+(?:char|absl::string_view|std::string_view)\s+'
                      r'(\w+)(?:\[\])?\s*=\s*((?:"(?:[^"\\]|\\.)*"\s*)+);')
PREFIX_ASSIGN = re.compile(r'metric_prefix\s*=\s*"([a-z0-9_]+)"')
PREFIX_CONCAT = re.compile(r'StrCat\(\s*[\w.>-]*metric_prefix\s*,\s*"([a-z0-9_]+)"\s*\)$')
METRIC_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def strip_comments(text):
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == "'":
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_args(text, start):
    """Top-level comma-separated arguments of the call whose '(' is at start-1."""
    args, depth, i, cur = [], 0, start, []
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                args.append("".join(cur).strip())
                return args
            depth -= 1
        elif c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    return args


def literal(expr):
    """The value of adjacent string literals, or None."""
    expr = expr.strip()
    if not expr or not re.fullmatch(r'(?:"(?:[^"\\]|\\.)*"\s*)+', expr):
        return None
    return "".join(m.group(1) for m in STRING.finditer(expr))


def metrics_of(paths):
    texts = {}
    for p in paths:
        if p.endswith((".cc", ".h")):
            with open(p, encoding="utf-8") as f:
                texts[p] = strip_comments(f.read())
    constants = {}
    for text in texts.values():
        for name, value in CONSTANT.findall(text):
            constants[name] = literal(value)
    # metric_prefix: a service's assignment overrides the library default.
    prefixes = {}
    for p, text in texts.items():
        for value in PREFIX_ASSIGN.findall(text):
            default = re.search(r"std::string\s+metric_prefix\s*=", text) is not None
            prefixes.setdefault(default, set()).add(value)
    prefix_values = sorted(prefixes.get(False) or prefixes.get(True) or [])
    families, unresolved = {}, []
    for p, text in sorted(texts.items()):
        for m in CALL.finditer(text):
            args = split_args(text, m.end())
            if not args or not args[0]:
                continue
            names = []
            name = literal(args[0])
            if name is None and args[0] in constants:
                name = constants[args[0]]
            if name is not None:
                names = [name]
            else:
                concat = PREFIX_CONCAT.search(args[0])
                if concat:
                    names = [pre + concat.group(1) for pre in prefix_values]
            names = [n for n in names if n and METRIC_NAME.match(n)]
            if not names:
                if "string_view name" not in args[0]:
                    unresolved.append("%s: %s" % (p, args[0]))
                continue
            help_text = ""
            if len(args) > 1:
                help_text = literal(args[1]) or constants.get(args[1].strip(), "") or ""
            labels = []
            if len(args) > 2:
                labels = re.findall(r'\{\s*"([a-z_]+)"\s*,', args[2])
            for n in names:
                fam = families.setdefault(n, {"type": m.group(1).lower(), "help": help_text,
                                             "labels": set(), "files": set()})
                fam["labels"].update(labels)
                fam["files"].add(p)
                if not fam["help"]:
                    fam["help"] = help_text
    return families, unresolved


def helpfull(binary):
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    proc = subprocess.run([binary, "--helpfull"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, env=env, timeout=60)
    text = proc.stdout.decode("utf-8", "replace")
    if "Flags from" not in text:
        raise SystemExit("%s --helpfull printed no flags:\n%s" % (binary, text))
    lines = text.rstrip().splitlines()
    # Drop absl's closing hint ("Try --helpfull to get ..."), the same everywhere.
    while lines and not lines[-1].startswith("  "):
        if lines[-1].startswith("Try --helpfull") or lines[-1].strip() == "" or \
                lines[-1].startswith(("flags which", "path.")):
            lines.pop()
        else:
            break
    return "\n".join(l.rstrip() for l in lines)


def md_cell(s):
    return s.replace("|", "\\|").replace("\n", " ")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--binary", nargs=4, action="append", required=True,
                    metavar=("NAME", "LABEL", "BINARY", "SOURCES_TXT"))
    a = ap.parse_args()
    out = [HEADER]
    out.append("| Binary | Target | Metric families |\n|---|---|---|")
    sections, problems = [], []
    for name, label, binary, sources in a.binary:
        with open(sources) as f:
            paths = [l.strip() for l in f if l.strip()]
        families, unresolved = metrics_of(paths)
        problems += ["%s: metric name not resolved at %s" % (name, u) for u in unresolved]
        out.append("| [`%s`](#%s) | `%s` | %d |" % (name, name.replace("_", "_"), label, len(families)))
        sec = ["", "## %s" % name, "", "`bazel run %s -- --helpfull`" % label]
        if "services/runtime/config/config.cc" in paths:
            sec += ["", "Every flag can also be set as `FINEPRINT_<FLAG>`."]
        if name in NOTES:
            sec += ["", NOTES[name]]
        sec += ["", "### Flags", "", "```", helpfull(binary), "```", "", "### Metrics", ""]
        if families:
            sec.append("| Family | Type | Labels | Help | Registered in |")
            sec.append("|---|---|---|---|---|")
            for n in sorted(families):
                fam = families[n]
                sec.append("| `%s` | %s | %s | %s | %s |" % (
                    n, fam["type"], ", ".join("`%s`" % l for l in sorted(fam["labels"])) or "",
                    md_cell(fam["help"]), ", ".join("`%s`" % f for f in sorted(fam["files"]))))
        else:
            sec.append("None.")
        sections += sec
    out += sections
    if problems:
        sys.stderr.write("\n".join(problems) + "\n")
        raise SystemExit(1)
    text = "\n".join(out) + "\n"
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
