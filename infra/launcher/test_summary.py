#!/usr/bin/env python3
"""Prints `./fineprint test`'s closing line: "tests: N passed, M failed".

The counts come from Bazel's build event file (--build_event_json_file),
one testSummary per test target, so they do not depend on what the console
log looks like. Without that file, the log's "Executed ..." line is read as
bytes: a control byte in the log must not turn the summary into "0 passed".
"""

import json
import re
import sys

PASSED = {"PASSED", "FLAKY"}


def from_events(path):
  passed = failed = 0
  seen = False
  with open(path, "rb") as f:
    for raw in f:
      try:
        event = json.loads(raw.decode("utf-8", "replace"))
      except ValueError:
        continue
      summary = event.get("testSummary")
      if summary is None:
        continue
      seen = True
      if summary.get("overallStatus") in PASSED:
        passed += 1
      else:
        failed += 1
  return (passed, failed) if seen else None


EXECUTED = re.compile(rb"^Executed (\d+) out of (\d+) tests?:(.*)$", re.M)


def from_log(path):
  with open(path, "rb") as f:
    matches = EXECUTED.findall(f.read())
  if not matches:
    return None
  executed, total, rest = matches[-1]
  passed = re.search(rb"(\d+) tests? pass", rest)
  failed = re.search(rb"(\d+) fails? locally", rest)
  return (int(passed.group(1)) if passed else 0,
          int(failed.group(1)) if failed else 0)


def main(argv):
  if len(argv) != 3:
    sys.stderr.write("usage: test_summary.py EVENTS_JSON CONSOLE_LOG\n")
    return 2
  counts = None
  try:
    counts = from_events(argv[1])
  except OSError:
    pass
  if counts is None:
    try:
      counts = from_log(argv[2])
    except OSError:
      pass
  if counts is None:
    print("tests: no results (the build failed before any test ran)")
    return 0
  print("tests: %d passed, %d failed" % counts)
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))
