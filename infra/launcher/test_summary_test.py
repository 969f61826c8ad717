"""Tests of the closing line of `./fineprint test`."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "test_summary.py")


def summarize(events=None, log=None):
  with tempfile.TemporaryDirectory() as d:
    events_path = os.path.join(d, "events.json")
    log_path = os.path.join(d, "test.log")
    if events is not None:
      with open(events_path, "wb") as f:
        f.write(events)
    if log is not None:
      with open(log_path, "wb") as f:
        f.write(log)
    out = subprocess.run([sys.executable, SCRIPT, events_path, log_path],
                         check=True, capture_output=True)
    return out.stdout.decode().strip()


def event(label, status):
  return json.dumps({"id": {"testSummary": {"label": label}},
                     "testSummary": {"overallStatus": status}}).encode() + b"\n"


class TestSummaryTest(unittest.TestCase):

  def test_counts_from_build_events(self):
    events = (json.dumps({"id": {"started": {}}}).encode() + b"\n" +
              event("//a:t", "PASSED") + event("//b:t", "FLAKY") +
              event("//c:t", "FAILED") + event("//d:t", "TIMEOUT"))
    self.assertEqual(summarize(events=events), "tests: 2 passed, 2 failed")

  def test_log_with_control_byte(self):
    # The fresh-machine log that made grep say "binary file matches".
    log = (b"\x1b[32mINFO:\x1b[0m Build completed\x00\x07\n"
           b"Executed 80 out of 80 tests: 80 tests pass.\n")
    self.assertEqual(summarize(log=log), "tests: 80 passed, 0 failed")

  def test_log_with_failures(self):
    log = (b"\x00\nExecuted 5 out of 80 tests: 78 tests pass and 2 fail "
           b"locally.\n")
    self.assertEqual(summarize(log=log), "tests: 78 passed, 2 failed")

  def test_nothing_ran(self):
    self.assertEqual(summarize(log=b"ERROR: build failed\n"),
                     "tests: no results (the build failed before any test ran)")


if __name__ == "__main__":
  unittest.main()
