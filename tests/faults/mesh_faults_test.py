#!/usr/bin/env python3
"""The mesh at two replicas, under faults (issue 13, item 3).

Brings up on this machine a fresh PostgreSQL, a 3-node KRaft Kafka cluster
(replication factor 3, min.insync.replicas=2), two replicas of every
service of infra/launcher/mesh.tsv and two edges. The replicas of a service
share its gRPC port (gRPC listens with SO_REUSEPORT, so the kernel spreads
connections over the live replicas as a Kubernetes Service would) and its
database schema; their relays elect one leader, their workers claim with
SKIP LOCKED, their consumers share the service's group.

A load client spreads sign-ups, document submissions and reads over both
edges for LOAD_SECONDS and retries a failed request once on the other edge,
while the test kill -9s one broker, one replica of each service and one
edge, then restarts them. Afterwards it waits for the mesh to settle and
reconciles the outbox rows of every schema with what is on the brokers
(read back by event id) and the services' effects, prints the counts and
asserts the goals: nothing lost, no duplicated effect, no per-aggregate
order violation, no job completed twice, and failures after retry bounded
by what was in flight on the killed edge.

Runs as `bazel test //tests/faults:mesh_faults_test` (binaries are data
deps) or by hand from the workspace root after building them. Everything it
starts is killed by a watchdog process if the test dies.
"""

import base64
import concurrent.futures
import ctypes
import json
import os
import pwd
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

LOAD_SECONDS = int(os.environ.get("MESH_FAULTS_LOAD_SECONDS", "60"))
LOAD_WORKERS = 6
SETTLE_TIMEOUT = 90
KAFKA_NODES = 3
KAFKA_PROPERTIES = "\n".join([
    "default.replication.factor=3",
    "min.insync.replicas=2",
    "offsets.topic.replication.factor=3",
    "offsets.topic.num.partitions=3",
    "transaction.state.log.replication.factor=3",
    "transaction.state.log.min.isr=2",
])
DOC_TEXT = ("1. Disputes. Any dispute will be resolved by binding arbitration "
            "and you waive any class action. 2. Renewal. Your subscription "
            "renews automatically. We do not sell your personal data. {tag}")

ROOT = os.getcwd()  # the runfiles tree of the workspace, or the workspace


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    # A service started here must not outlive the test (SIGKILL on our
    # death); the watchdog covers what this cannot (detached JVMs, Postgres).
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def kafka_libs():
    version = os.environ.get("KAFKA_VERSION", "3.9.2")
    candidates = []
    if os.environ.get("KAFKA_LIBS"):
        candidates.append(os.environ["KAFKA_LIBS"])
    if os.environ.get("FINEPRINT_CACHE"):
        candidates.append(f"{os.environ['FINEPRINT_CACHE']}/kafka/{version}/libs")
    home = pwd.getpwuid(os.getuid()).pw_dir  # Bazel clears HOME
    candidates.append(f"{home}/.cache/fineprint/kafka/{version}/libs")
    for c in candidates:
        if os.path.isfile(os.path.join(c, ".complete")):
            return c
    raise RuntimeError("Kafka jars not installed (run infra/install.sh); "
                       f"looked in {candidates}")


WATCHDOG = r"""
import os, signal, sys, time, glob, shutil, subprocess
work, root = sys.argv[1], sys.argv[2]
sys.stdin.read()  # EOF: the test finished or died
def alive_as(pid, needle):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return needle.encode() in f.read()
    except OSError:
        return False
for path in glob.glob(f"{work}/pids/*") + glob.glob(f"{work}/kafka*/kafka.pid"):
    try:
        pid = int(open(path).read().split()[0])
    except (OSError, ValueError, IndexError):
        continue
    needle = "kafka.Kafka" if path.endswith("kafka.pid") else os.path.basename(path).split(".")[0]
    if alive_as(pid, needle):
        os.kill(pid, signal.SIGKILL)
subprocess.run(["bash", f"{root}/infra/postgres/stop-local.sh", f"{work}/pg"],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if not os.environ.get("MESH_FAULTS_KEEP"):
    shutil.rmtree(work, ignore_errors=True)
"""


class Mesh:
    """The processes of the mesh, each restartable with its own command."""

    def __init__(self):
        # Under /var/tmp, reachable by the `postgres` user when run as root.
        self.work = tempfile.mkdtemp(prefix="fp-mesh-faults.", dir="/var/tmp")
        os.chmod(self.work, 0o755)
        os.makedirs(f"{self.work}/pids")
        self.watchdog = subprocess.Popen(
            [sys.executable, "-c", WATCHDOG, self.work, ROOT],
            stdin=subprocess.PIPE, start_new_session=True)
        self.procs = {}   # name -> Popen
        self.cmds = {}    # name -> argv
        self.ready = {}   # name -> readiness URL
        self.kafka = []   # per node: dict(dir, port, env)
        self.libs = kafka_libs()

    # --- PostgreSQL -------------------------------------------------------
    def start_postgres(self):
        out = subprocess.run(
            ["bash", f"{ROOT}/infra/postgres/start-local.sh", f"{self.work}/pg",
             str(free_port())], cwd=self.work, capture_output=True, text=True,
            env=dict(os.environ,
                     PATH=os.environ.get("PATH", "/usr/bin:/bin") +
                     ":/usr/local/sbin:/usr/sbin:/sbin"))
        if out.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {out.stderr[-2000:]}")
        self.dsn = out.stdout.strip().splitlines()[-1]

    def psql(self, sql):
        out = subprocess.run(
            ["psql", self.dsn, "-X", "-q", "-A", "-t", "-F", "\t", "-v",
             "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"psql {sql!r}: {out.stderr}")
        return [line.split("\t") for line in out.stdout.splitlines() if line]

    # --- Kafka ------------------------------------------------------------
    def start_kafka(self):
        ports = [free_port() for _ in range(KAFKA_NODES)]
        controllers = [free_port() for _ in range(KAFKA_NODES)]
        voters = ",".join(f"{i + 1}@127.0.0.1:{p}" for i, p in enumerate(controllers))
        # Kafka's Uuid: 16 bytes base64url, not starting with '-' (a flag).
        cluster_id = "-"
        while cluster_id.startswith("-"):
            cluster_id = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        for i in range(KAFKA_NODES):
            env = dict(os.environ, KAFKA_LIBS=self.libs, KAFKA_NODE_ID=str(i + 1),
                       KAFKA_CONTROLLER_PORT=str(controllers[i]),
                       KAFKA_QUORUM_VOTERS=voters, KAFKA_CLUSTER_ID=cluster_id,
                       KAFKA_EXTRA_PROPERTIES=KAFKA_PROPERTIES,
                       KAFKA_HEAP_OPTS="-Xmx384m -Xms384m",
                       KAFKA_START_TIMEOUT="180")
            self.kafka.append(dict(dir=f"{self.work}/kafka{i + 1}", port=ports[i], env=env))
        # Concurrently: a node is ready only once a quorum of controllers is.
        with concurrent.futures.ThreadPoolExecutor(KAFKA_NODES) as pool:
            list(pool.map(self.start_broker, range(KAFKA_NODES)))
        self.bootstrap = ",".join(f"127.0.0.1:{n['port']}" for n in self.kafka)

    def start_broker(self, i):
        node = self.kafka[i]
        out = subprocess.run(
            ["bash", f"{ROOT}/infra/kafka/start.sh", node["dir"], str(node["port"])],
            env=node["env"], capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise RuntimeError(f"kafka node {i + 1} did not start: {out.stderr[-3000:]}")

    def kill_broker(self, i):
        pid = int(open(f"{self.kafka[i]['dir']}/kafka.pid").read().strip())
        os.kill(pid, signal.SIGKILL)
        while os.path.exists(f"/proc/{pid}") and _state(pid) not in ("Z", ""):
            time.sleep(0.05)

    # --- Services and edges -----------------------------------------------
    def spawn(self, name, argv, ready_url):
        self.cmds[name] = argv
        self.ready[name] = ready_url
        self.respawn(name)

    def respawn(self, name):
        logf = open(f"{self.work}/{name}.log", "ab")
        env = dict(os.environ, FINEPRINT_MIN_LOG_LEVEL="warning")
        p = subprocess.Popen(self.cmds[name], stdout=logf, stderr=logf,
                             stdin=subprocess.DEVNULL, env=env,
                             preexec_fn=_die_with_parent)
        logf.close()
        self.procs[name] = p
        exe = os.path.basename(self.cmds[name][0])
        with open(f"{self.work}/pids/{exe}.{name}", "w") as f:
            f.write(str(p.pid))

    def wait_ready(self, names, timeout=120):
        deadline = time.time() + timeout
        pending = list(names)
        while pending:
            for name in list(pending):
                if self.procs[name].poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.tail(name)}")
                try:
                    with urllib.request.urlopen(self.ready[name], timeout=2):
                        pending.remove(name)
                except (OSError, urllib.error.URLError):
                    pass
            if time.time() > deadline:
                raise RuntimeError(f"not ready: {pending}")
            time.sleep(0.2)

    def kill(self, name):
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait()

    def relay_leader(self, name):
        """Whether this replica's relay holds its schema's leadership."""
        url = self.ready[name].replace("/readyz", "/metrics")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                for line in resp.read().decode().splitlines():
                    if line.startswith("fineprint_outbox_relay_leader"):
                        return float(line.split()[-1]) == 1
        except (OSError, ValueError):
            pass
        return False

    def tail(self, name, n=15):
        try:
            with open(f"{self.work}/{name}.log", errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def shutdown(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        for node in self.kafka:
            pid_file = f"{node['dir']}/kafka.pid"
            if os.path.exists(pid_file):
                try:
                    os.kill(int(open(pid_file).read().strip()), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
        self.watchdog.stdin.close()  # the watchdog stops Postgres, removes work
        self.watchdog.wait(timeout=60)


def _state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def read_mesh_tsv():
    rows = []
    with open("infra/launcher/mesh.tsv") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            name, _target, binary, _grpc, _admin, proto = line.rstrip("\n").split("\t")
            rows.append((name, binary, proto))
    return rows


def bring_up(mesh):
    t0 = time.time()
    mesh.start_postgres()
    log("postgres up", mesh.dsn)
    mesh.start_kafka()
    log(f"kafka cluster up ({time.time() - t0:.0f}s):", mesh.bootstrap)
    backends = []
    identity_target = None
    replicas = []
    for name, binary, proto in read_mesh_tsv():
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"{binary} (mesh.tsv) is not built / in the data")
        grpc = free_port()
        group = []
        for r in (1, 2):
            admin = free_port()
            argv = [binary, f"--pg_dsn={mesh.dsn}", "--listen_host=127.0.0.1",
                    f"--grpc_port={grpc}", f"--admin_port={admin}",
                    f"--kafka_bootstrap_servers={mesh.bootstrap}"]
            if name != "identity":
                argv.append(f"--identity_target={identity_target}")
            mesh.spawn(f"{name}{r}", argv, f"http://127.0.0.1:{admin}/readyz")
            group.append(f"{name}{r}")
        if name == "identity":
            # The others verify tokens against it.
            mesh.wait_ready(group)
            identity_target = f"127.0.0.1:{grpc}"
        replicas.append(name)
        backends.append(f"--backend={proto}=127.0.0.1:{grpc}")
    mesh.wait_ready([f"{n}{r}" for n in replicas for r in (1, 2)])
    edges = []
    for e in (1, 2):
        http, admin = free_port(), free_port()
        argv = ["gateway/fineprint_edge",
                "--descriptor_set=protos/fineprint_descriptor_set.pb",
                "--listen_host=127.0.0.1", "--http_host=127.0.0.1",
                f"--http_port={http}", f"--admin_port={admin}",
                f"--kafka_bootstrap_servers={mesh.bootstrap}"] + backends
        mesh.spawn(f"edge{e}", argv, f"http://127.0.0.1:{admin}/healthz")
        edges.append(f"http://127.0.0.1:{http}")
    mesh.wait_ready(["edge1", "edge2"])
    log(f"mesh up in {time.time() - t0:.0f}s")
    return replicas, edges


class Load:
    """Sign-ups, document submissions and reads over both edges."""

    def __init__(self, edges):
        self.edges = edges
        self.lock = threading.Lock()
        self.sent = 0
        self.retried = 0
        self.failed = 0
        self.failures = []
        self.first_failures = {}  # "<status> at <second of the load>" -> count
        self.start = time.time()
        self.by_kind = {}
        self.submitted = []  # (org, title)
        self.stop = threading.Event()

    def request(self, method, path, body=None, token=None, kind="read"):
        """One logical request: the first attempt on a random edge, one retry
        on the other. Returns (status, json) of the last attempt."""
        first = random.randrange(2)
        result = None
        for attempt in range(2):
            edge = self.edges[(first + attempt) % 2]
            req = urllib.request.Request(
                edge + path, method=method,
                data=json.dumps(body).encode() if body is not None else None)
            req.add_header("content-type", "application/json")
            if token:
                req.add_header("authorization", f"Bearer {token}")
            try:
                with urllib.request.urlopen(req, timeout=15) as resp:
                    result = (resp.status, json.loads(resp.read() or b"{}"))
            except urllib.error.HTTPError as e:
                result = (e.code, _json_or_text(e.read()))
            except (OSError, ValueError) as e:
                result = (0, str(e))
            # A sign-up whose first attempt committed answers 409 on retry.
            ok = 200 <= result[0] < 300 or (attempt == 1 and kind == "signup" and result[0] == 409)
            if ok:
                break
            # Only transport failures and "unavailable" are worth a retry.
            if result[0] not in (0, 502, 503, 504):
                break
            with self.lock:
                if attempt == 0:
                    self.retried += 1
                    where = f"{result[0]} at {int(time.time() - self.start)}s"
                    self.first_failures[where] = self.first_failures.get(where, 0) + 1
            time.sleep(0.1)
        with self.lock:
            self.sent += 1
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            if not ok:
                self.failed += 1
                self.failures.append(f"{method} {path}: {result[0]} {str(result[1])[:200]}")
        return result if ok else None

    def user_session(self, worker, n):
        email = f"load-{worker}-{n}-{random.randrange(1 << 30)}@example.com"
        password = "a long passphrase"
        if self.request("POST", "/v1/auth:signUp", {
                "email": email, "password": password, "displayName": "Load"},
                kind="signup") is None:
            return
        got = self.request("POST", "/v1/auth:login", {"email": email, "password": password},
                           kind="login")
        if got is None:
            return
        token = got[1]["accessToken"]
        me = self.request("GET", "/v1/me", token=token)
        if me is None:
            return
        org = me[1]["organization"]["name"]
        for d in range(3):
            if self.stop.is_set():
                return
            title = f"doc-{worker}-{n}-{d}"
            sub = self.request("POST", f"/v1/{org}/documents", {
                "title": title, "kind": "TERMS_OF_SERVICE",
                "requestId": f"req-{worker}-{n}-{d}",
                "text": DOC_TEXT.format(tag=title)}, token=token, kind="submit")
            if sub is None:
                continue
            with self.lock:
                self.submitted.append((org.split("/")[-1], title))
            self.request("GET", f"/v1/{sub[1]['job']['name']}", token=token)
            self.request("GET", f"/v1/{org}/documents?pageSize=5", token=token)

    def worker(self, w):
        n = 0
        while not self.stop.is_set():
            self.user_session(w, n)
            n += 1

    def run(self, seconds, faults):
        threads = [threading.Thread(target=self.worker, args=(w,)) for w in range(LOAD_WORKERS)]
        for t in threads:
            t.start()
        start = self.start = time.time()
        try:
            faults(start)
            time.sleep(max(0, start + seconds - time.time()))
        finally:
            self.stop.set()
            for t in threads:
                t.join()


def _json_or_text(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return raw[:300]


def inject_faults(mesh, replicas, start):
    """The schedule, relative to the start of the load."""
    def at(t):
        time.sleep(max(0, start + t - time.time()))

    at(8)
    log("kill -9 kafka node 2")
    mesh.kill_broker(1)
    at(16)
    leaders = [n for n in replicas if mesh.relay_leader(f"{n}1")]
    log(f"relay leaders among the replicas about to die: {leaders}")
    mesh.killed_leaders = leaders
    for name in replicas:
        log(f"kill -9 {name}1")
        mesh.kill(f"{name}1")
    at(24)
    log("restart kafka node 2")
    restart = threading.Thread(target=mesh.start_broker, args=(1,))
    restart.start()
    at(28)
    log("kill -9 edge1")
    mesh.kill("edge1")
    at(32)
    for name in replicas:
        mesh.respawn(f"{name}1")
    mesh.wait_ready([f"{name}1" for name in replicas])
    log("service replicas 1 restarted")
    at(40)
    mesh.respawn("edge1")
    mesh.wait_ready(["edge1"])
    log("edge1 restarted")
    restart.join()
    log("kafka node 2 restarted")


def schemas_with_outbox(mesh):
    return [r[0] for r in mesh.psql(
        "SELECT table_schema FROM information_schema.tables "
        "WHERE table_name = 'outbox' ORDER BY 1")]


def settle(mesh, schemas):
    """Until every outbox row is published and no analysis job is pending,
    then a little longer for the consumers of the last events."""
    deadline = time.time() + SETTLE_TIMEOUT
    while True:
        backlog = sum(int(mesh.psql(
            f"SELECT count(*) FROM {s}.outbox WHERE published_at IS NULL")[0][0])
            for s in schemas)
        pending = int(mesh.psql(
            "SELECT count(*) FROM analysis.jobs WHERE state IN ('QUEUED','RUNNING')")[0][0])
        if backlog == 0 and pending == 0:
            break
        if time.time() > deadline:
            log(f"not settled after {SETTLE_TIMEOUT}s: backlog {backlog}, jobs {pending}")
            break
        time.sleep(0.5)
    # Events published last (ActionSuggested after AnalysisCompleted) still
    # travel through consumers, which may be backing off: wait until no
    # outbox or inbox changes for 5 s.
    last = None
    quiet_since = time.time()
    while time.time() < deadline:
        state = [mesh.psql(
            f"SELECT (SELECT count(*) FROM {s}.outbox),"
            f" (SELECT count(*) FROM {s}.outbox WHERE published_at IS NULL),"
            f" (SELECT count(*) FROM {s}.inbox)")[0] for s in schemas]
        if state != last or any(row[1] != "0" for row in state):
            last, quiet_since = state, time.time()
        elif time.time() - quiet_since > 5:
            break
        time.sleep(0.5)


def read_topics(mesh):
    """Every record on the cluster: (topic, partition, offset, key, headers)."""
    topics = []
    with open("infra/kafka/topics.tsv") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                topics.append(line.split("\t")[0])
    records = []
    for topic in topics:
        out = subprocess.run(
            ["kcat", "-C", "-b", mesh.bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
             "-f", "%t\t%p\t%o\t%k\t%h\n"], capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"kcat {topic}: {out.stderr[-1000:]}")
        for line in out.stdout.splitlines():
            parts = line.split("\t")
            if len(parts) != 5:
                continue
            headers = {}
            for item in parts[4].split(","):
                k, _, v = item.partition("=")
                if k.startswith("ce_"):
                    headers[k] = v
            records.append((parts[0], int(parts[1]), int(parts[2]), parts[3], headers))
    return records


def reconcile(mesh, schemas, load):
    committed = {}
    for s in schemas:
        for event_id, topic, aggregate, seq in mesh.psql(
                f"SELECT event_id, topic, aggregate_id, seq FROM {s}.outbox"):
            committed[event_id] = (topic, aggregate, int(seq))
    records = read_topics(mesh)
    records.sort(key=lambda r: (r[0], r[1], r[2]))
    seen = {}
    last_seq = {}
    violations = []
    for topic, _part, _off, key, h in records:
        event_id = h.get("ce_id", "")
        first = event_id not in seen
        seen[event_id] = seen.get(event_id, 0) + 1
        seq = int(h.get("ce_fpseq", "-1"))
        prev = last_seq.get((topic, key), 0)
        # A new event must be the next of its aggregate; a repeat may be old.
        if first and seq != prev + 1:
            violations.append(f"{topic} {key}: seq {seq} after {prev}")
        last_seq[(topic, key)] = max(prev, seq)

    lost = [e for e in committed if e not in seen]
    invented = [e for e in seen if e not in committed]

    def count(sql):
        return int(mesh.psql(sql)[0][0])

    dup = {
        "analyses per document": count(
            "SELECT count(*) FROM (SELECT 1 FROM analysis.analyses a JOIN analysis.jobs j"
            " ON a.org_id = j.org_id AND a.job_id = j.id"
            " GROUP BY j.org_id, j.document_id HAVING count(*) > 1) d"),
        "documents per submission": count(
            "SELECT count(*) FROM (SELECT 1 FROM analysis.documents"
            " GROUP BY org_id, title HAVING count(*) > 1) d"),
        "notifications per event and user": count(
            "SELECT count(*) FROM (SELECT 1 FROM notification.notifications"
            " GROUP BY org_id, user_id, event_id, kind HAVING count(*) > 1) d"),
        "suggestions per analysis": count(
            "SELECT count(*) FROM (SELECT 1 FROM action.suggested_actions"
            " GROUP BY org_id, analysis, template HAVING count(*) > 1) d"),
    }
    jobs_twice = count(
        "SELECT count(*) FROM (SELECT 1 FROM analysis.outbox WHERE event_type IN"
        " ('fineprint.analysis.events.v1.AnalysisCompleted',"
        "  'fineprint.analysis.events.v1.AnalysisFailed')"
        " GROUP BY aggregate_id HAVING count(*) > 1) d")
    jobs = dict((s, int(c)) for s, c in mesh.psql(
        "SELECT state, count(*) FROM analysis.jobs GROUP BY 1"))
    reclaimed = count("SELECT count(*) FROM analysis.jobs WHERE attempt > 1")
    # Effects that should follow every completed analysis; for any that
    # did not, where its event got to.
    unnotified = mesh.psql(
        "SELECT o.event_id, o.aggregate_id,"
        " EXISTS (SELECT 1 FROM notification.inbox i WHERE i.event_id = o.event_id),"
        " EXISTS (SELECT 1 FROM notification.parked_notices p"
        "         WHERE p.event_id = o.event_id::text)"
        " FROM analysis.outbox o WHERE o.event_type ="
        " 'fineprint.analysis.events.v1.AnalysisCompleted' AND NOT EXISTS ("
        " SELECT 1 FROM notification.notifications n WHERE n.event_id = o.event_id::text)")
    dead_lettered = [h.get("ce_id") for t, _p, _o, _k, h in records
                     if t == "fineprint.deadletter.v1"]
    missing_docs = 0
    docs = set((o, t) for o, t in mesh.psql("SELECT org_id, title FROM analysis.documents"))
    for org, title in load.submitted:
        missing_docs += (org, title) not in docs
    return dict(
        committed=len(committed), published=len(committed) - len(lost),
        records=len(records), redelivered=sum(c - 1 for c in seen.values()),
        lost=len(lost), invented=len(invented), order_violations=len(violations),
        duplicated_effects=sum(dup.values()), duplicated_detail=dup,
        jobs_completed_twice=jobs_twice, jobs=jobs, jobs_reclaimed=reclaimed,
        completed_without_notification=len(unnotified),
        unnotified_detail=[f"{e} job {j} in inbox {i} parked {p}" for e, j, i, p in unnotified[:5]],
        dead_lettered=len(dead_lettered),
        acknowledged_submissions_missing=missing_docs,
        lost_sample=lost[:5], violation_sample=violations[:5])


def main():
    random.seed()
    t0 = time.time()
    mesh = Mesh()
    ok = False
    try:
        replicas, edges = bring_up(mesh)
        load = Load(edges)
        load.run(LOAD_SECONDS, lambda start: inject_faults(mesh, replicas, start))
        log(f"load done: {load.sent} requests")
        leaders = {n: [r for r in (1, 2) if mesh.relay_leader(f"{n}{r}")] for n in replicas}
        schemas = schemas_with_outbox(mesh)
        settle(mesh, schemas)
        counts = reconcile(mesh, schemas, load)
        report = {
            "requests_sent": load.sent, "requests_by_kind": load.by_kind,
            "retried_on_other_edge": load.retried,
            "first_attempt_failures": load.first_failures,
            "killed_relay_leaders": getattr(mesh, "killed_leaders", []),
            "relay_leader_replica_after": leaders,
            "failed_after_retry": load.failed, "failure_sample": load.failures[:5],
            **counts, "wall_seconds": round(time.time() - t0)}
        print("MESH FAULTS " + json.dumps(report, indent=1), flush=True)
        goals = [
            ("requests were served", load.sent > 100),
            ("one relay leader per service",
             all(len(v) == 1 for v in leaders.values())),
            ("0 lost", counts["lost"] == 0),
            ("0 duplicated effects", counts["duplicated_effects"] == 0),
            ("0 order violations", counts["order_violations"] == 0),
            ("0 jobs completed twice", counts["jobs_completed_twice"] == 0),
            ("acknowledged submissions stored", counts["acknowledged_submissions_missing"] == 0),
            ("nothing dead-lettered", counts["dead_lettered"] == 0),
            # Only requests in flight on the killed edge may fail, and the
            # retry on the other edge should save even those.
            (f"failed after retry <= {LOAD_WORKERS} (load concurrency)",
             load.failed <= LOAD_WORKERS),
        ]
        # A notice whose organisation's first member commits on the other
        # replica while it is being parked (fanout.cc, LockParkedNotices)
        # was once dropped here in about one run of five.
        goals.append(("every completed analysis notified",
                      counts["completed_without_notification"] == 0))
        if counts["completed_without_notification"]:
            print("completed analyses without a notification: "
                  f"{counts['unnotified_detail']}", flush=True)
        failed = [g for g, passed in goals if not passed]
        for g, passed in goals:
            print(f"{'PASS' if passed else 'FAIL'}: {g}", flush=True)
        ok = not failed
        if not ok:
            for name in sorted(mesh.procs):
                print(f"--- tail of {name}.log\n{mesh.tail(name, 8)}", file=sys.stderr)
    finally:
        mesh.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
