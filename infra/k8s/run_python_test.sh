#!/usr/bin/env bash
# Runs a Python unittest file with Debian's python3, which has the modules
# infra/install.sh installs (PyYAML, jsonschema, kubernetes-validate).
set -euo pipefail
exec /usr/bin/python3 "$@"
