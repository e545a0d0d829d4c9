"""Validates JSON documents against the IPTC ninjs 3.1 schema.

Usage: ninjs_validate.py FIXTURES_DIR FILE...   (a FILE may hold one document, or one a line)
Prints one JSON line per document: {"file": ..., "line": n, "valid": bool, "error": ...}.
The GeoJSON schema the ninjs schema refers to is loaded from the test suite, not the network.
"""
import json
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

fixtures = sys.argv[1]
with open(f"{fixtures}/ninjs/specification/ninjs-schema_3.1.json") as f:
    schema = json.load(f)
with open(f"{fixtures}/ninjs/test_suite/GeoJSON-schema.json") as f:
    geojson = json.load(f)
registry = Registry().with_resource("https://geojson.org/schema/GeoJSON.json", Resource.from_contents(geojson))
validator = Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)

for path in sys.argv[2:]:
    with open(path) as f:
        text = f.read()
    try:
        documents = [json.loads(text)]
    except json.JSONDecodeError:
        documents = [json.loads(line) for line in text.splitlines() if line.strip()]
    for number, document in enumerate(documents, 1):
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        print(json.dumps({"file": path, "line": number, "valid": not errors,
                          "error": errors[0].message[:300] if errors else None}))
