"""Renders the Kubernetes base and overlays with kustomize and checks them
offline.

- Built-in kinds are validated against the Kubernetes OpenAPI schemas that
  PyPI's kubernetes-validate bundles (strict: unknown fields fail).
- The operators' kinds (Strimzi Kafka, KafkaNodePool, KafkaTopic;
  CloudNativePG Cluster, Pooler) have no schema available offline: they are
  NOT schema-checked, only for the fields Fineprint relies on (below).
- The rules of docs/deployment.md: probes naming the service, non-root and
  read-only root filesystem, resources, a PDB and an autoscaling/v2 HPA per
  Deployment, NetworkPolicies (only the edge open to everyone), a migration
  Job covering every service, the topics of infra/kafka/topics.tsv.

Run by //infra/k8s:manifests_test; KUSTOMIZE names the binary, else it is
looked up on PATH and in ~/.cache/fineprint/bin (infra/install.sh).
"""

import copy
import os
import pathlib
import pwd
import shutil
import subprocess
import sys
import tempfile
import unittest

import kubernetes_validate
import yaml

HERE = pathlib.Path(os.path.abspath(__file__)).parent
ROOT = HERE.parents[1]
K8S_VERSION = "1.30.0"
OPERATOR_KINDS = {
    ("kafka.strimzi.io/v1beta2", "Kafka"),
    ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
    ("kafka.strimzi.io/v1beta2", "KafkaTopic"),
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "Pooler"),
}
TIER = "fineprint.io/tier"


def kustomize_binary():
    if os.environ.get("KUSTOMIZE"):
        return os.environ["KUSTOMIZE"]
    found = shutil.which("kustomize")
    if found:
        return found
    homes = [os.environ.get("FINEPRINT_CACHE", "")]
    # Bazel clears HOME in tests; the account's home is where install.sh put it.
    homes.append(os.path.join(pwd.getpwuid(os.getuid()).pw_dir,
                              ".cache", "fineprint"))
    for cache in homes:
        candidate = os.path.join(cache, "bin", "kustomize")
        if cache and os.access(candidate, os.X_OK):
            return candidate
    raise AssertionError(
        "kustomize not found: run infra/install.sh (it builds it into "
        "~/.cache/fineprint/bin) or set KUSTOMIZE")


def build(target):
    # Bazel's runfiles are symlinks into the source tree, which kustomize's
    # default load restrictor takes for files outside the kustomization.
    r = subprocess.run([kustomize_binary(), "build", "--load-restrictor",
                        "LoadRestrictionsNone", str(HERE / target)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"kustomize build {target}: {r.stderr}")
    out = r.stdout
    return [d for d in yaml.safe_load_all(out) if d]


def read_tsv(rel, columns):
    rows = []
    for line in (ROOT / rel).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t")[:columns])
    return rows


MESH = {r[0]: {"grpc": int(r[3]), "admin": int(r[4]), "proto": r[5]}
        for r in read_tsv("infra/launcher/mesh.tsv", 6)}
TOPICS = {r[0]: r for r in read_tsv("infra/kafka/topics.tsv", 4)}


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


class ManifestsTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.rendered = {t: build(t) for t in
                        ("base", "overlays/dev", "overlays/prod")}

    def each(self):
        for target, docs in self.rendered.items():
            with self.subTest(target=target):
                yield target, docs

    def test_builtin_kinds_match_the_kubernetes_schemas(self):
        checked = 0
        for _, docs in self.each():
            for d in docs:
                if (d["apiVersion"], d["kind"]) in OPERATOR_KINDS:
                    continue
                try:
                    kubernetes_validate.validate(d, K8S_VERSION, strict=True)
                except kubernetes_validate.ValidationError as e:
                    self.fail(f"{d['kind']}/{d['metadata']['name']}: "
                              f"{e.message} at {list(e.path)}")
                checked += 1
        self.assertGreater(checked, 60)

    def test_the_validator_rejects_a_broken_deployment(self):
        # Guards against a validator that accepts everything.
        d = copy.deepcopy(by_kind(self.rendered["base"], "Deployment")["edge"])
        d["spec"]["replicas"] = "two"
        with self.assertRaises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(d, K8S_VERSION, strict=True)
        d = copy.deepcopy(by_kind(self.rendered["base"], "Deployment")["edge"])
        d["spec"]["template"]["spec"]["containers"][0]["readinessProbe"][
            "grpcc"] = {}
        with self.assertRaises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(d, K8S_VERSION, strict=True)

    def test_every_service_and_the_edge_are_deployed(self):
        for target, docs in self.each():
            deployments = by_kind(docs, "Deployment")
            self.assertEqual(set(deployments), set(MESH) | {"edge"})
            for name, d in deployments.items():
                image = d["spec"]["template"]["spec"]["containers"][0]["image"]
                if target == "base":
                    self.assertEqual(image, f"fineprint-{name}")
                else:
                    # An overlay without an `images` entry for a new service
                    # would leave a bare name that no registry serves.
                    self.assertIn("/", image, f"{target}: {name}")
                    self.assertIn(":", image, f"{target}: {name}")

    def test_pods_are_hardened_and_probed(self):
        for target, docs in self.each():
            for name, d in by_kind(docs, "Deployment").items():
                pod = d["spec"]["template"]["spec"]
                self.assertTrue(pod["securityContext"]["runAsNonRoot"])
                (c,) = pod["containers"]
                sc = c["securityContext"]
                self.assertTrue(sc["runAsNonRoot"], name)
                self.assertTrue(sc["readOnlyRootFilesystem"], name)
                self.assertFalse(sc["allowPrivilegeEscalation"], name)
                self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
                self.assertIn("cpu", c["resources"]["requests"])
                self.assertIn("memory", c["resources"]["limits"])
                if name == "edge":
                    self.assertEqual(c["readinessProbe"]["httpGet"]["path"],
                                     "/readyz")
                    continue
                for probe in ("readinessProbe", "livenessProbe"):
                    self.assertEqual(c[probe]["grpc"], {
                        "port": MESH[name]["grpc"],
                        "service": MESH[name]["proto"]}, f"{name} {probe}")

    def test_each_deployment_has_a_pdb_and_an_hpa(self):
        for target, docs in self.each():
            deployments = by_kind(docs, "Deployment")
            pdbs = by_kind(docs, "PodDisruptionBudget")
            hpas = by_kind(docs, "HorizontalPodAutoscaler")
            for name in deployments:
                self.assertEqual(
                    pdbs[name]["spec"]["selector"]["matchLabels"],
                    deployments[name]["spec"]["selector"]["matchLabels"])
                self.assertEqual(hpas[name]["apiVersion"], "autoscaling/v2")
                self.assertEqual(hpas[name]["spec"]["scaleTargetRef"]["name"],
                                 name)
            if target == "overlays/prod":
                for name, h in hpas.items():
                    self.assertGreaterEqual(h["spec"]["minReplicas"], 2, name)
                for name, p in pdbs.items():
                    self.assertEqual(p["spec"]["minAvailable"], 1, name)

    def test_network_policies(self):
        for _, docs in self.each():
            policies = by_kind(docs, "NetworkPolicy")
            deny = policies["default-deny-ingress"]["spec"]
            self.assertEqual(deny["podSelector"], {})
            self.assertNotIn("ingress", deny)
            open_to_all = [n for n, p in policies.items()
                           for rule in p["spec"].get("ingress", [])
                           if "from" not in rule]
            self.assertEqual(open_to_all, ["edge-ingress"])
            for name, svc in MESH.items():
                (rule,) = policies[f"{name}-ingress"]["spec"]["ingress"]
                self.assertEqual(rule["ports"],
                                 [{"protocol": "TCP", "port": svc["grpc"]}])
                (peer,) = rule["from"]
                (expr,) = peer["podSelector"]["matchExpressions"]
                self.assertEqual((expr["key"], sorted(expr["values"])),
                                 (TIER, ["edge", "service"]))
            # PostgreSQL: services, its pooler, itself, its operator; never
            # the edge.
            for pg in ("postgres-ingress", "pgbouncer-ingress"):
                for rule in policies[pg]["spec"]["ingress"]:
                    for peer in rule["from"]:
                        labels = peer.get("podSelector", {}).get(
                            "matchLabels", {})
                        self.assertNotEqual(labels.get(TIER), "edge")
            edge_pod = by_kind(docs, "Deployment")["edge"]["spec"]["template"]
            self.assertEqual(edge_pod["metadata"]["labels"][TIER], "edge")

    def test_migration_job_migrates_every_service(self):
        for _, docs in self.each():
            job = by_kind(docs, "Job")["fineprint-migrate"]
            pod = job["spec"]["template"]
            self.assertEqual(pod["metadata"]["labels"][TIER], "service")
            containers = {c["name"]: c for c in pod["spec"]["containers"]}
            self.assertEqual(set(containers), set(MESH))
            for c in containers.values():
                self.assertEqual(c["args"], ["--migrate_only"])
                dsn = next(e["value"] for e in c["env"]
                           if e["name"] == "FINEPRINT_PG_DSN")
                self.assertIn("host=fineprint-pg-rw", dsn)

    # Operator resources: not schema-checked (no schema offline), so the
    # fields Fineprint depends on are checked here.
    def test_kafka_is_kraft_with_three_replicas_in_prod(self):
        docs = self.rendered["overlays/prod"]
        kafka = by_kind(docs, "Kafka")["fineprint"]
        self.assertEqual(kafka["metadata"]["annotations"], {
            "strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"})
        config = kafka["spec"]["kafka"]["config"]
        self.assertEqual(config["default.replication.factor"], 3)
        self.assertEqual(config["min.insync.replicas"], 2)
        pool = by_kind(docs, "KafkaNodePool")["brokers"]
        self.assertEqual(pool["metadata"]["labels"]["strimzi.io/cluster"],
                         "fineprint")
        self.assertEqual(pool["spec"]["replicas"], 3)
        self.assertEqual(sorted(pool["spec"]["roles"]),
                         ["broker", "controller"])
        (listener,) = kafka["spec"]["kafka"]["listeners"]
        self.assertIn("networkPolicyPeers", listener)

    def test_kafka_topics_are_the_declared_topics(self):
        for target, docs in self.each():
            topics = by_kind(docs, "KafkaTopic")
            self.assertEqual(set(topics), set(TOPICS))
            for name, (_, partitions, retention, policy) in TOPICS.items():
                spec = topics[name]["spec"]
                self.assertEqual(spec["topicName"], name)
                self.assertEqual(spec["partitions"], int(partitions))
                self.assertEqual(spec["config"]["retention.ms"],
                                 int(retention))
                self.assertEqual(spec["config"]["cleanup.policy"], policy)
                self.assertEqual(
                    topics[name]["metadata"]["labels"]["strimzi.io/cluster"],
                    "fineprint")
                if target != "overlays/dev":
                    self.assertEqual(spec["replicas"], 3)
                    self.assertEqual(spec["config"]["min.insync.replicas"], 2)

    def test_postgres_cluster_and_pooler(self):
        for target, docs in self.each():
            cluster = by_kind(docs, "Cluster")["fineprint-pg"]
            initdb = cluster["spec"]["bootstrap"]["initdb"]
            self.assertEqual(initdb["secret"]["name"],
                             "fineprint-db-credentials")
            self.assertIn("fineprint-db-credentials", by_kind(docs, "Secret"))
            pooler = by_kind(docs, "Pooler")["fineprint-pg-pooler"]
            self.assertEqual(pooler["spec"]["cluster"]["name"], "fineprint-pg")
            # Session advisory locks (relay leader, migrator) need sessions.
            self.assertEqual(pooler["spec"]["pgbouncer"]["poolMode"],
                             "session")
            if target == "overlays/prod":
                self.assertEqual(cluster["spec"]["instances"], 3)


class GeneratedFilesTest(unittest.TestCase):
    GENERATED = ["infra/k8s/base/generated/services.yaml",
                 "infra/k8s/base/generated/migrate-job.yaml",
                 "infra/k8s/base/generated/kafka-topics.yaml",
                 "infra/compose/compose.yaml"]

    def check(self, root):
        return subprocess.run([sys.executable, str(HERE / "generate.py"),
                               "--check", "--root", str(root)],
                              capture_output=True, text=True)

    def test_generated_files_match_the_lists(self):
        r = self.check(ROOT)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_topic_missing_from_the_manifests_fails_the_check(self):
        with tempfile.TemporaryDirectory() as tmp:
            for rel in self.GENERATED:
                (pathlib.Path(tmp) / rel).parent.mkdir(parents=True,
                                                       exist_ok=True)
                shutil.copy(ROOT / rel, pathlib.Path(tmp) / rel)
            self.assertEqual(self.check(tmp).returncode, 0)
            topics = pathlib.Path(tmp) / self.GENERATED[2]
            docs = topics.read_text().split("---\n")
            topics.write_text("---\n".join(docs[:-1]))  # drop the last topic
            r = self.check(tmp)
            self.assertEqual(r.returncode, 1)
            self.assertIn("kafka-topics.yaml", r.stderr)


if __name__ == "__main__":
    unittest.main()
