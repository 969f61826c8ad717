#!/usr/bin/python3
"""Drives Debian's headless Chromium through the /docs page of a running edge.

    docs_browser_check.py http://127.0.0.1:PORT

Speaks the DevTools protocol over --remote-debugging-pipe (fds 3 and 4,
NUL-separated JSON), so it needs nothing beyond the standard library.
Checks: the page loads with no console error, no uncaught exception and no
error log entry (CSP violations and failed loads are logged there); every
operation of /openapi.json is listed; "Try it out" + "Execute" on
GET /v1/auth/jwks (public) gets a 200 with the key set. Prints one JSON
line with what it saw; exits 0 only if every check passed.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
TRY_PATH, TRY_METHOD = "/v1/auth/jwks", "get"


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="fp-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes answers on fd 4.
        def fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)
        binary = shutil.which("chromium") or "/usr/bin/chromium"
        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run",
             "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
             "about:blank"],
            preexec_fn=fds, pass_fds=(3, 4, to_chrome_r, from_chrome_w),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            if time.time() > deadline:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace")
                raise RuntimeError(f"Chromium exited: {err[-2000:]}")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate",
                      {"expression": expression, "returnByValue": True,
                       "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"evaluate failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expression, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(f"timed out waiting for: {expression}")

    def errors(self):
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in (
                    "error", "assert"):
                out.append("console." + p["type"] + ": " + " ".join(
                    str(a.get("value", a.get("description", "")))
                    for a in p.get("args", [])))
            elif e["method"] == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: " + d.get("exception", {}).get(
                    "description", d.get("text", "")))
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append("log: " + p["entry"].get("text", "") + " " +
                           p["entry"].get("url", ""))
        return out


def expected_operations(base):
    with urllib.request.urlopen(base + "/openapi.json", timeout=10) as r:
        doc = json.load(r)
    return sorted(f"{m.upper()} {path}" for path, item in doc["paths"].items()
                  for m in item if m in METHODS)


def main():
    base = sys.argv[1].rstrip("/")
    expected = expected_operations(base)
    browser = Browser()
    report = {"expected_operations": len(expected)}
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"},
                              session=False)
        browser.session = browser.call(
            "Target.attachToTarget",
            {"targetId": target["targetId"], "flatten": True},
            session=False)["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            browser.call(domain + ".enable")
        browser.call("Page.navigate", {"url": base + "/docs"})
        browser.wait_for(
            f"document.querySelectorAll('.opblock').length >= {len(expected)}")
        listed = browser.evaluate("""
          Array.from(document.querySelectorAll('.opblock')).map(b =>
            b.querySelector('.opblock-summary-method').textContent.trim() + ' ' +
            b.querySelector('.opblock-summary-path').getAttribute('data-path')
          ).sort()""")
        report["listed_operations"] = len(listed)
        report["missing"] = sorted(set(expected) - set(listed))
        report["title"] = browser.evaluate(
            "(document.querySelector('.info .title') || {}).textContent || ''")

        # Try it out: open the operation, switch to try-it-out, execute.
        find = f"""Array.from(document.querySelectorAll('.opblock')).find(b =>
            b.querySelector('.opblock-summary-path').getAttribute('data-path')
              === '{TRY_PATH}' &&
            b.querySelector('.opblock-summary-method').textContent.trim()
              === '{TRY_METHOD.upper()}')"""
        browser.evaluate(f"({find}).querySelector('.opblock-summary-control')"
                         f".click(); true")
        browser.wait_for(f"!!({find}).querySelector('.try-out__btn')")
        browser.evaluate(f"({find}).querySelector('.try-out__btn').click(); true")
        browser.wait_for(f"!!({find}).querySelector('.execute')")
        browser.evaluate(f"({find}).querySelector('.execute').click(); true")
        status = browser.wait_for(f"""(() => {{
            const c = ({find}).querySelector(
              '.live-responses-table .response .response-col_status');
            return c ? c.textContent.trim() : '';
          }})()""")
        report["try_it_out_status"] = status
        body = browser.evaluate(f"""(() => {{
            const b = ({find}).querySelector(
              '.live-responses-table .response-col_description pre');
            return b ? b.textContent : '';
          }})()""")
        report["try_it_out_has_keys"] = '"keys"' in (body or "")
        time.sleep(0.5)  # late console output
        browser.call("Runtime.evaluate", {"expression": "1"})  # drain events
        report["errors"] = browser.errors()
    except Exception as e:  # reported, not raised: the caller reads the JSON
        report["failure"] = f"{type(e).__name__}: {e}"
        report["errors"] = browser.errors()
    finally:
        browser.close()
    ok = ("failure" not in report and not report["errors"] and
          not report["missing"] and
          report["listed_operations"] == len(expected) and
          report["try_it_out_status"] == "200" and
          report["try_it_out_has_keys"])
    report["ok"] = ok
    print(json.dumps(report))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
