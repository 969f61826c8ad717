"""Checks infra/compose/compose.yaml offline.

- Against the Compose Specification's own JSON schema (compose-spec.json,
  vendored from github.com/compose-spec/compose-spec, schema/, Apache 2.0:
  the schema `docker compose` and `podman compose` validate with).
- For what the schema cannot say: every mesh service and the edge are there,
  each has a healthcheck that runs a binary the image carries, and every
  dependency waits for `service_healthy` of a service that has a healthcheck.

Run by //infra/compose:compose_test.
"""

import copy
import os
import json
import pathlib
import unittest

import jsonschema
import yaml

HERE = pathlib.Path(os.path.abspath(__file__)).parent
ROOT = HERE.parents[1]
# What infra/images/build.sh puts in every Fineprint image.
IMAGE_HEALTHCHECK = "/usr/local/bin/fineprint_healthcheck"


def mesh():
    names = []
    for line in (ROOT / "infra/launcher/mesh.tsv").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            names.append(line.split("\t")[0])
    return names


class ComposeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.doc = yaml.safe_load((HERE / "compose.yaml").read_text())
        schema = json.loads((HERE / "compose-spec.json").read_text())
        cls.validator = jsonschema.Draft7Validator(schema)

    def test_matches_the_compose_spec_schema(self):
        errors = sorted(self.validator.iter_errors(self.doc),
                        key=lambda e: list(e.path))
        self.assertEqual([f"{list(e.path)}: {e.message}" for e in errors], [])

    def test_the_schema_rejects_broken_files(self):
        # Guards against a schema that accepts everything.
        bad = copy.deepcopy(self.doc)
        bad["services"]["edge"]["depends_on"]["identity"]["condition"] = "up"
        self.assertFalse(self.validator.is_valid(bad))
        bad = copy.deepcopy(self.doc)
        bad["services"]["edge"]["healthcheck"]["intervall"] = "2s"
        self.assertFalse(self.validator.is_valid(bad))

    def test_the_whole_mesh_is_there(self):
        services = self.doc["services"]
        for name in mesh() + ["edge", "postgres", "kafka", "redis"]:
            self.assertIn(name, services)
        self.assertEqual(
            services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"],
            "broker,controller")  # KRaft, no ZooKeeper

    def test_dependencies_wait_for_health(self):
        services = self.doc["services"]
        for name, svc in services.items():
            self.assertIn("healthcheck", svc, name)
            for dep, how in svc.get("depends_on", {}).items():
                self.assertEqual(how["condition"], "service_healthy",
                                 f"{name} -> {dep}")
                self.assertIn("healthcheck", services[dep], dep)
        for name in mesh():
            deps = services[name]["depends_on"]
            self.assertIn("postgres", deps)
            self.assertIn("kafka", deps)
            self.assertIn(name, services["edge"]["depends_on"])

    def test_fineprint_containers_are_hardened(self):
        for name in mesh() + ["edge"]:
            svc = self.doc["services"][name]
            # Images have no shell: the healthcheck is an exec of our probe.
            self.assertEqual(svc["healthcheck"]["test"][:2],
                             ["CMD", IMAGE_HEALTHCHECK], name)
            self.assertTrue(svc["read_only"], name)
            self.assertNotEqual(svc["user"].split(":")[0], "0", name)
        self.assertEqual(list(self.doc["services"]["edge"]["ports"]),
                         ["127.0.0.1:8080:8080"])
        for name in mesh():
            self.assertNotIn("ports", self.doc["services"][name])


if __name__ == "__main__":
    unittest.main()
