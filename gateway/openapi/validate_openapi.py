"""Validates OpenAPI documents with openapi-spec-validator (PyPI), the
checker most tooling relies on, against the version each document claims.

usage: validate_openapi.py <openapi.json>...
"""

import json
import sys

try:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
except ImportError:  # pragma: no cover - environment problem, not a test failure mode
    sys.exit("openapi-spec-validator is missing: run infra/install.sh "
             "(pip install --break-system-packages openapi-spec-validator)")


def main(paths):
    failed = False
    for path in paths:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if doc.get("openapi") != "3.1.0":
            print(f"{path}: expected openapi 3.1.0, got {doc.get('openapi')!r}")
            failed = True
            continue
        try:
            validate(doc)  # picks the 3.1 schema from the "openapi" field
        except OpenAPIValidationError as e:
            print(f"{path}: invalid OpenAPI 3.1: {e}")
            failed = True
            continue
        print(f"{path}: valid OpenAPI 3.1 ({len(doc.get('paths', {}))} paths)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
