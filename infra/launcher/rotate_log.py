#!/usr/bin/env python3
"""Copies stdin to a log file that never grows past a cap.

`./fineprint up` pipes each service's output through this: when FILE
reaches --max-bytes it becomes FILE.1 (FILE.1 becomes FILE.2, ...) and at
most --keep old files are kept, so a long-running mesh cannot fill the disk.
"""

import argparse
import os
import sys


def rotate(path, keep):
  for i in range(keep, 0, -1):
    src = path if i == 1 else "%s.%d" % (path, i - 1)
    if os.path.exists(src):
      os.replace(src, "%s.%d" % (path, i))


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument("path")
  parser.add_argument("--max-bytes", type=int, default=50 << 20)
  parser.add_argument("--keep", type=int, default=3)
  args = parser.parse_args()
  out = open(args.path, "ab", buffering=0)
  size = out.tell()
  stdin = sys.stdin.buffer.raw
  while True:
    chunk = stdin.read(65536)
    if not chunk:
      return 0
    while chunk:
      if size >= args.max_bytes:
        out.close()
        rotate(args.path, args.keep)
        out = open(args.path, "ab", buffering=0)
        size = 0
      part = chunk[:args.max_bytes - size]
      out.write(part)
      size += len(part)
      chunk = chunk[len(part):]


if __name__ == "__main__":
  sys.exit(main())
