"""Tests of the log cap `./fineprint up` puts on every service."""

import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "rotate_log.py")


class RotateLogTest(unittest.TestCase):

  def test_caps_size_and_number_of_files(self):
    with tempfile.TemporaryDirectory() as d:
      path = os.path.join(d, "svc.log")
      data = b"".join(b"line %06d\n" % i for i in range(20000))  # 240 kB
      proc = subprocess.Popen(
          [sys.executable, SCRIPT, path, "--max-bytes", "50000", "--keep", "2"],
          stdin=subprocess.PIPE)
      for i in range(0, len(data), 4096):
        proc.stdin.write(data[i:i + 4096])
        proc.stdin.flush()
      proc.stdin.close()
      self.assertEqual(proc.wait(), 0)
      names = sorted(os.listdir(d))
      self.assertEqual(names, ["svc.log", "svc.log.1", "svc.log.2"])
      for name in names:
        self.assertLessEqual(os.path.getsize(os.path.join(d, name)), 50000)
      # The newest output is in the current file.
      with open(path, "rb") as f:
        self.assertTrue(f.read().endswith(b"line 019999\n"))

  def test_appends_to_an_existing_file(self):
    with tempfile.TemporaryDirectory() as d:
      path = os.path.join(d, "svc.log")
      with open(path, "wb") as f:
        f.write(b"old\n")
      subprocess.run([sys.executable, SCRIPT, path], input=b"new\n",
                     check=True)
      with open(path, "rb") as f:
        self.assertEqual(f.read(), b"old\nnew\n")


if __name__ == "__main__":
  unittest.main()
