"""Checks Docs/ against the JSON Schemas: every example, every contract.md block, asyncapi.yaml.

Run by DocsTests (python3 with jsonschema and PyYAML): python3 validate_docs.py <Docs directory>.
Prints one line per problem and exits 1 when there is any.
"""
import json
import pathlib
import re
import sys

import warnings

import jsonschema
import yaml

docs = pathlib.Path(sys.argv[1])
problems = []

schemas = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (docs / "schemas").glob("*.schema.json")}
for name, schema in schemas.items():
    jsonschema.Draft202012Validator.check_schema(schema)
# RefResolver is the API Debian 12's python3-jsonschema (4.10) has; newer versions keep it, deprecated.
warnings.simplefilter("ignore", DeprecationWarning)
validators = {
    kind: jsonschema.Draft202012Validator(
        schemas[f"{kind}.schema.json"],
        resolver=jsonschema.RefResolver.from_schema(schemas[f"{kind}.schema.json"], store=schemas),
    )
    for kind in ("request", "outcome")
}


def errors_of(kind, instance):
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validators[kind].iter_errors(instance)]


# Example files: *.request.json must be valid, except bad-*.request.json which must not; *.outcome.json valid.
examples = {}
for path in sorted((docs / "examples").glob("*.json")):
    instance = json.loads(path.read_text(encoding="utf-8"))
    examples[path.name] = instance
    kind = "request" if path.name.endswith(".request.json") else "outcome"
    errors = errors_of(kind, instance)
    if path.name.startswith("bad-"):
        if not errors:
            problems.append(f"examples/{path.name}: meant to break the schema, but it validates")
    else:
        problems.extend(f"examples/{path.name}: {error}" for error in errors)
if not examples:
    problems.append("examples/: no examples found")

# contract.md: every ```json block is preceded by <!-- example: NAME --> and equals that example file.
markdown = (docs / "contract.md").read_text(encoding="utf-8")
blocks = re.findall(r"(?:<!-- example: ([\w.-]+) -->\s*\n)?```json\n(.*?)```", markdown, flags=re.S)
if not blocks:
    problems.append("contract.md: no json examples")
for name, text in blocks:
    if not name:
        problems.append("contract.md: a ```json block has no <!-- example: FILE --> marker: " + text[:60])
        continue
    if name not in examples:
        problems.append(f"contract.md: example {name} has no file in examples/")
    elif json.loads(text) != examples[name]:
        problems.append(f"contract.md: example {name} differs from examples/{name}")

# asyncapi.yaml: AsyncAPI 3.0, file references resolve, message examples match the example files.
asyncapi = yaml.safe_load((docs / "asyncapi.yaml").read_text(encoding="utf-8"))
if asyncapi.get("asyncapi") != "3.0.0":
    problems.append("asyncapi.yaml: asyncapi must be 3.0.0")


def walk(node, path):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield path, value
            else:
                yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")


def resolve_pointer(document, pointer):
    node = document
    for part in filter(None, pointer.lstrip("/").split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


for path, ref in walk(asyncapi, ""):
    target, _, fragment = ref.partition("#")
    try:
        document = json.loads((docs / target).read_text(encoding="utf-8")) if target else asyncapi
        resolve_pointer(document, fragment)
    except Exception as error:  # any failure to resolve is a broken reference
        problems.append(f"asyncapi.yaml{path}: $ref {ref} does not resolve ({error})")

messages = asyncapi.get("components", {}).get("messages", {})
if not messages:
    problems.append("asyncapi.yaml: no components.messages")
for message_name, message in messages.items():
    payload_ref = message.get("payload", {}).get("$ref", "")
    kind = "request" if payload_ref.startswith("schemas/request") else "outcome" if payload_ref.startswith("schemas/outcome") else None
    for example in message.get("examples", []):
        name = example.get("name", "")
        if name not in examples:
            problems.append(f"asyncapi.yaml {message_name}: example {name!r} names no file in examples/")
        elif example.get("payload") != examples[name]:
            problems.append(f"asyncapi.yaml {message_name}: example {name} differs from examples/{name}")
        elif kind and not name.startswith("bad-"):
            problems.extend(f"asyncapi.yaml {message_name} example {name}: {e}" for e in errors_of(kind, example.get("payload")))

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
