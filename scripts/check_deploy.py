"""Checks the deployment files under Deploy/ without Docker or Kubernetes: every YAML file parses, every file
they reference exists and is tracked by git, the Dockerfile installs what the build needs, the Kubernetes
manifests agree with the gateway configuration they carry, every portal of the Compose configuration has
its ACLs and the principals agree, every alert's runbook link resolves, and `dancu-gateway check-config`
accepts both deployment configurations. One line per problem; exits 1 if there is any.
"""
import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path.cwd()
DEPLOY = ROOT / "Deploy"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
KUSTOMIZE = DEPLOY / "kubernetes"
COMPOSE_CONFIG = DEPLOY / "config" / "gateway.yaml"
CONFIG_MOUNT = "/etc/dancu/gateway.yaml"
# Long enough for every secret's minimum (audit.secret needs 32 characters); must never be printed back.
PLACEHOLDER = "check-deploy-placeholder-not-a-real-secret"
DEFAULT_SHUTDOWN_TIMEOUT = 20.0  # PipelineConfiguration's default, for a file that omits the key
FLUSH_AND_MARGIN = 15.0  # GatewayRuntime: the producer's flush (10 s) and the group's margin (5 s)

passed = 0
problems = []


def where(path):
    try:
        return str(Path(path).relative_to(ROOT))
    except ValueError:
        return str(path)


def check(condition, path, message):
    """Counts a passed check, or records `message` (what is wrong) against `path`."""
    global passed
    if condition:
        passed += 1
    else:
        problems.append(f"{where(path)}: {message}")
    return bool(condition)


def seconds(text):
    """A duration as the gateway (`20s`, `500ms`, `5m`) or Compose (`1m30s`) writes it; None if unreadable."""
    if isinstance(text, (int, float)):
        return float(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", str(text).strip())
    if not parts or "".join(n + u for n, u in parts) != str(text).strip():
        return None
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    return sum(float(n) * scale[u] for n, u in parts)


# ---- 1. Every YAML file parses (all documents) -----------------------------------------------------
documents = {}
for path in sorted(list(DEPLOY.rglob("*.yaml")) + list(DEPLOY.rglob("*.yml"))):
    try:
        with open(path, encoding="utf-8") as file:
            documents[path] = [doc for doc in yaml.safe_load_all(file) if doc is not None]
        check(documents[path], path, "holds no YAML document")
    except yaml.YAMLError as error:
        check(False, path, f"not valid YAML: {' '.join(str(error).split())}")
for path in sorted(DEPLOY.rglob("*.json")):
    try:
        json.loads(path.read_text(encoding="utf-8"))
        check(True, path, "")
    except ValueError as error:
        check(False, path, f"not valid JSON: {error}")


def single(path):
    """The one mapping document of `path`, or None (a problem is recorded)."""
    docs = documents.get(path)
    if not check(docs is not None, path, "missing or unreadable"):
        return None
    if not check(len(docs) == 1 and isinstance(docs[0], dict), path, "expected one mapping document"):
        return None
    return docs[0]


def read_gateway_yaml(text, path):
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as error:
        check(False, path, f"embedded gateway.yaml is not valid YAML: {' '.join(str(error).split())}")
        return None
    check(isinstance(value, dict), path, "gateway.yaml must be a mapping of sections")
    return value if isinstance(value, dict) else None


def tracked_files():
    """Paths git tracks, relative to the root; None outside a git work tree (the check is then reported)."""
    try:
        listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return {Path(p) for p in listing.stdout.decode("utf-8").split("\0") if p}


TRACKED = tracked_files()
check(TRACKED is not None, ROOT, "not a git work tree: cannot tell which files a clean clone has")


def check_tracked(path, shown, what):
    """A clean clone (CI, the image build) has only tracked files: a file or folder that exists only here fails."""
    if TRACKED is None:
        return
    relative = Path(os.path.relpath(Path(path).resolve(), ROOT))
    present = relative in TRACKED or any(relative in tracked.parents for tracked in TRACKED)
    check(present, shown, f"{what}: {relative} is not tracked by git, so a clean clone does not have it")


def dig(mapping, *keys, default=None):
    for key in keys:
        if not isinstance(mapping, dict) or key not in mapping:
            return default
        mapping = mapping[key]
    return mapping


# ---- 2. Compose: referenced files, topics, secrets ------------------------------------------------
compose = single(COMPOSE) or {}
services = compose.get("services") or {}
named_volumes = set((compose.get("volumes") or {}).keys())


def environment_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): ("" if v is None else str(v)) for k, v in env.items()}


def interpolate(value):
    """Compose's ${VAR:-default} gives the default; a required or unset ${VAR} gets the placeholder."""
    def replace(match):
        body = match.group(1)
        if ":-" in body:
            return body.split(":-", 1)[1]
        return PLACEHOLDER
    return re.sub(r"\$\{([^}]*)\}", replace, value)


build_context = ROOT
for name, service in services.items():
    here = f"{where(COMPOSE)} services.{name}"
    build = service.get("build")
    if isinstance(build, (str, dict)):
        context = DEPLOY / (build if isinstance(build, str) else build.get("context", "."))
        dockerfile = context / (build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile")
        check(context.is_dir(), COMPOSE, f"services.{name}.build.context {where(context)} does not exist")
        check(dockerfile.is_file(), COMPOSE, f"services.{name}.build.dockerfile {where(dockerfile)} does not exist")
        if dockerfile.resolve() == DOCKERFILE.resolve():
            build_context = context.resolve()
    image = service.get("image")
    if image and not build:
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        check(tag and tag != "latest", COMPOSE, f"services.{name}.image {image} is not pinned to a version tag")
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            kind, source = volume.get("type"), str(volume.get("source", ""))
        else:
            source = str(volume).split(":", 1)[0]
            kind = "bind" if source.startswith((".", "/", "~")) else "volume"
        if kind == "bind":
            target = (DEPLOY / source).resolve()
            check(target.exists(), COMPOSE, f"services.{name}.volumes: {source} does not exist ({where(target)})")
            check_tracked(target, COMPOSE, f"services.{name}.volumes: {source}")
        elif source:
            check(source in named_volumes, COMPOSE, f"services.{name}.volumes: named volume {source} is not declared")

# The Kafka cluster: enough brokers for the replication factor, one broker down still meets min ISR.
brokers = [n for n, s in services.items() if str(s.get("image", "")).startswith("apache/kafka") and "KAFKA_NODE_ID" in environment_of(s)]
kafka_init_name = next((n for n, s in services.items() if "REQUEST_PARTITIONS" in environment_of(s)), None)
topic_env = environment_of(services[kafka_init_name]) if kafka_init_name else {}
check(kafka_init_name, COMPOSE, "no kafka-init service (one with REQUEST_PARTITIONS in its environment)")
replication = int(topic_env.get("REPLICATION_FACTOR", "0") or 0)
min_isr = int(topic_env.get("MIN_INSYNC_REPLICAS", "0") or 0)
check(replication == 3 and len(brokers) >= replication, COMPOSE,
      f"replication factor {replication} with {len(brokers)} brokers: expected 3 on at least 3 brokers")
check(0 < min_isr < replication, COMPOSE,
      f"min.insync.replicas {min_isr} must be below the replication factor {replication} so acks=all survives a broker down")
for key in ("REQUEST_RETENTION_MS", "OUTCOME_RETENTION_MS", "DEADLETTER_RETENTION_MS", "AUDIT_RETENTION_MS"):
    check(topic_env.get(key, "").isdigit(), COMPOSE, f"kafka-init {key} must be a number of milliseconds")

script = DEPLOY / "kafka" / "create-topics.sh"
script_default = re.search(r"REQUEST_PARTITIONS=\$\{REQUEST_PARTITIONS:-(\d+)\}", script.read_text()) if script.is_file() else None
request_partitions = int(topic_env.get("REQUEST_PARTITIONS") or (script_default.group(1) if script_default else 0))
check(request_partitions > 0, COMPOSE, "cannot tell how many partitions the request topics get")

# The gateway services: the mounted config, a grace period longer than the shutdown timeout.
gateways = {n: s for n, s in services.items()
            if any(str(v).split(":")[1:2] == [CONFIG_MOUNT] for v in s.get("volumes") or [] if isinstance(v, str))}
check(len(gateways) >= 2, COMPOSE, f"expected two gateway services mounting {CONFIG_MOUNT}, found {len(gateways)}")
for name, service in gateways.items():
    check(all(str(v).split(":")[0] == "./config/gateway.yaml" for v in service.get("volumes") or []
              if str(v).split(":")[1:2] == [CONFIG_MOUNT]),
          COMPOSE, f"services.{name} must mount ./config/gateway.yaml at {CONFIG_MOUNT}")

compose_gateway = read_gateway_yaml(COMPOSE_CONFIG.read_text(encoding="utf-8"), COMPOSE_CONFIG) if COMPOSE_CONFIG.is_file() else None
check(compose_gateway is not None, COMPOSE_CONFIG, "missing")
compose_gateway = compose_gateway or {}

# kafka-init creates exactly the topics the gateway configuration names.
portal_ids = [str(p.get("id")) for p in compose_gateway.get("portals") or [] if isinstance(p, dict)]
check(sorted(topic_env.get("PORTALS", "").split()) == sorted(portal_ids), COMPOSE,
      f"kafka-init PORTALS ({topic_env.get('PORTALS', '')}) differs from the portals of {where(COMPOSE_CONFIG)} ({' '.join(portal_ids)})")
for env_key, config_keys, default in (
    ("REQUEST_PREFIX", ("requests", "topics", "requestPrefix"), "dancu.requests."),
    ("OUTCOME_PREFIX", ("requests", "topics", "outcomePrefix"), "dancu.outcomes."),
    ("DEADLETTER_TOPIC", ("requests", "topics", "deadLetter"), "dancu.deadletter"),
    ("AUDIT_TOPIC", ("audit", "topic"), "dancu.audit"),
):
    configured = dig(compose_gateway, *config_keys, default=default)
    check(topic_env.get(env_key) == configured, COMPOSE,
          f"kafka-init {env_key}={topic_env.get(env_key)} but {'.'.join(config_keys)} is {configured}")

# ---- 3. Dockerfile: COPY sources, build and run stages --------------------------------------------
def dockerfile_instructions(path):
    """(instruction, arguments) with continuation lines joined and comments dropped."""
    lines, current = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current:
            word, _, rest = current.partition(" ")
            lines.append((word.upper(), rest.strip()))
        current = ""
    return lines


def ignored(relative, patterns):
    """Docker's .dockerignore rule, for top-level paths: the last pattern that matches decides."""
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        cleaned = pattern.lstrip("!").strip("/")
        if fnmatch.fnmatch(relative.strip("/"), cleaned):
            excluded = not negated
    return excluded


package_products = set(re.findall(r'\.executable\(\s*name:\s*"([^"]+)"', (ROOT / "Package.swift").read_text()))
setup_packages = set()
setup_match = re.search(r"^packages=\(([^)]*)\)", (ROOT / "scripts" / "setup").read_text(), re.M)
if setup_match:
    setup_packages = set(setup_match.group(1).split())
check(setup_packages, ROOT / "scripts" / "setup", "cannot read its packages=(...) list (what every purpose installs)")
# The development packages (headers, pkg-config files) are what a build needs; kcat, chromium and the
# openssl command serve the tests only.
build_packages = {p for p in setup_packages if p.endswith("-dev")} | ({"pkg-config"} & setup_packages)

if check(DOCKERFILE.is_file(), DOCKERFILE, "missing"):
    # A `# syntax=` directive makes BuildKit pull a frontend image from the internet before anything else.
    first = DOCKERFILE.read_text(encoding="utf-8").lstrip().splitlines()[:1]
    check(not (first and re.match(r"#\s*syntax\s*=", first[0], re.I)), DOCKERFILE,
          "starts with a # syntax= directive, which pulls an image from the internet (closed networks cannot)")
    instructions = dockerfile_instructions(DOCKERFILE)
    args = {}
    stages = []  # (name, base image, [(instruction, arguments)])
    for word, rest in instructions:
        if word == "ARG" and not stages:
            key, _, value = rest.partition("=")
            args[key] = value
        elif word == "FROM":
            parts = rest.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), parts[0])
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append((name, base, []))
        elif stages:
            stages[-1][2].append((word, rest))
    check(len(stages) >= 2, DOCKERFILE, "expected a multi-stage build (build and run stages)")
    for name, base, _ in stages:
        tag = base.rsplit("/", 1)[-1].partition(":")[2]
        check(tag and tag != "latest", DOCKERFILE, f"base image {base or '(empty)'} is not pinned to a version tag")

    def installs(stage):
        packages = set()
        for word, rest in stage[2]:
            if word == "RUN":
                for command in re.split(r"&&|;", rest):
                    tokens = shlex.split(command)
                    if "apt-get" in tokens and "install" in tokens:
                        packages |= {t for t in tokens[tokens.index("install") + 1:] if not t.startswith("-")}
        return packages

    build_stage = next((s for s in stages if s[0] == "build"), None)
    run_stage = stages[-1] if stages else None
    if check(build_stage, DOCKERFILE, "no stage named build"):
        missing = build_packages - installs(build_stage)
        check(not missing, DOCKERFILE,
              f"the build stage does not install {' '.join(sorted(missing))} (scripts/setup installs them)")
        runs = " ".join(rest for word, rest in build_stage[2] if word == "RUN")
        built = set(re.findall(r"swift build [^&;]*--product[ =](\S+)", runs))
        check({"dancu-gateway", "dancu-sim"} <= built, DOCKERFILE,
              f"the build stage must build dancu-gateway and dancu-sim (builds: {' '.join(sorted(built)) or 'none'})")
        check(built <= package_products, DOCKERFILE,
              f"builds products Package.swift does not declare: {' '.join(sorted(built - package_products))}")
        check(all("--static-swift-stdlib" in m for m in re.findall(r"swift build [^&;]*--product[^&;]*", runs)),
              DOCKERFILE, "every swift build must use --static-swift-stdlib (the run image has no Swift runtime)")
    if run_stage and run_stage is not build_stage:
        check(not run_stage[1].startswith("swift"), DOCKERFILE, f"the run stage is based on {run_stage[1]}, a toolchain image")
        missing = {"librdkafka1", "libssl3", "ca-certificates"} - installs(run_stage)
        check(not missing, DOCKERFILE, f"the run stage does not install {' '.join(sorted(missing))}")
        users = [rest for word, rest in run_stage[2] if word == "USER"]
        check(users and users[-1].split(":")[0] not in ("root", "0"), DOCKERFILE, "the run stage must end as a non-root USER")
        check(any(word == "HEALTHCHECK" and "/healthz" in rest for word, rest in run_stage[2]), DOCKERFILE,
              "the run stage needs a HEALTHCHECK on /healthz")
        cmd = " ".join(rest for word, rest in run_stage[2] if word in ("CMD", "ENTRYPOINT"))
        check(CONFIG_MOUNT in cmd, DOCKERFILE, f"the default command must read {CONFIG_MOUNT}")

    ignore_file = DOCKERFILE.with_name(DOCKERFILE.name + ".dockerignore")
    patterns = [l.strip() for l in ignore_file.read_text().splitlines()
                if l.strip() and not l.strip().startswith("#")] if ignore_file.is_file() else []
    for _, _, body in stages:
        for word, rest in body:
            if word != "COPY" or "--from=" in rest:
                continue
            tokens = [t for t in (json.loads(rest) if rest.startswith("[") else shlex.split(rest)) if not t.startswith("--")]
            for source in tokens[:-1]:
                path = build_context / source
                check(path.exists(), DOCKERFILE, f"COPY {source}: {where(path)} does not exist")
                check_tracked(path, DOCKERFILE, f"COPY {source}")
                check(not ignored(source, patterns), DOCKERFILE,
                      f"COPY {source}: excluded by {where(ignore_file)}, the build would not see it")

# ---- 4. Prometheus and Grafana --------------------------------------------------------------------
prometheus_file = DEPLOY / "prometheus" / "prometheus.yml"
prometheus = single(prometheus_file) or {}
for rule_file in prometheus.get("rule_files") or []:
    check((prometheus_file.parent / rule_file).is_file(), prometheus_file, f"rule file {rule_file} does not exist")
jobs = [job.get("job_name") for job in prometheus.get("scrape_configs") or []]
check("dancu-gateway" in jobs, prometheus_file, "no scrape job dancu-gateway")
targets = {t for job in prometheus.get("scrape_configs") or [] if job.get("job_name") == "dancu-gateway"
           for sc in job.get("static_configs") or [] for t in sc.get("targets") or []}
port = dig(compose_gateway, "admin", "port", default=8080)
check(targets == {f"{name}:{port}" for name in gateways}, prometheus_file,
      f"targets {sorted(targets)} should be the compose gateways {sorted(f'{n}:{port}' for n in gateways)}")
grafana_mounts = [str(v).split(":")[1] for s in services.values() if "grafana" in str(s.get("image", ""))
                  for v in s.get("volumes") or [] if ":" in str(v)]
for provider_file in sorted((DEPLOY / "grafana" / "provisioning" / "dashboards").glob("*.y*ml")):
    for provider in (single(provider_file) or {}).get("providers") or []:
        path = dig(provider, "options", "path", default="")
        check(any(m == path or m.startswith(path.rstrip("/") + "/") for m in grafana_mounts), provider_file,
              f"dashboards path {path} is not mounted into the grafana service")

# ---- 5. Kubernetes --------------------------------------------------------------------------------
kustomization_file = KUSTOMIZE / "kustomization.yaml"
kustomization = single(kustomization_file) or {}
objects = []  # (file, manifest)
for resource in kustomization.get("resources") or []:
    path = KUSTOMIZE / resource
    if check(path.is_file(), kustomization_file, f"resource {resource} does not exist"):
        objects += [(path, doc) for doc in documents.get(path, [])]


def find(kind):
    return [(path, doc) for path, doc in objects if isinstance(doc, dict) and doc.get("kind") == kind]


configmaps, deployments, scaled = find("ConfigMap"), find("Deployment"), find("ScaledObject")
k8s_gateway, configmap_path, deployment, deployment_path = {}, KUSTOMIZE, {}, KUSTOMIZE
container = {}
if check(len(deployments) == 1, kustomization_file, "expected one Deployment among the resources"):
    deployment_path, deployment = deployments[0]
    pod = dig(deployment, "spec", "template", "spec", default={})
    container = (pod.get("containers") or [{}])[0]
    args = [str(a) for a in container.get("args") or []]
    check(any(args[i:i + 2] == ["--config", CONFIG_MOUNT] for i in range(len(args))),
          deployment_path, f"the container must run with --config {CONFIG_MOUNT}")
    # The files the pod sees under each mount: (mount path + item path) -> (kind, source name, key).
    mounts = {m.get("name"): m.get("mountPath") for m in container.get("volumeMounts") or []}
    mounted_files = {}
    for volume in pod.get("volumes") or []:
        base = mounts.get(volume.get("name"))
        if not base:
            continue
        sources = [volume] if "configMap" in volume or "secret" in volume else (dig(volume, "projected", "sources") or [])
        for source in sources:
            for kind, name_key in (("configMap", "name"), ("secret", "secretName")):
                if kind in source:
                    ref = source[kind]
                    name = ref.get(name_key) or ref.get("name")
                    for item in ref.get("items") or []:
                        mounted_files[f"{base.rstrip('/')}/{item.get('path')}"] = (kind, name, item.get("key"))
    provider = mounted_files.get(CONFIG_MOUNT)
    if check(provider and provider[0] == "configMap", deployment_path, f"no ConfigMap item mounted at {CONFIG_MOUNT}"):
        _, name, key = provider
        match = [(p, c) for p, c in configmaps if dig(c, "metadata", "name") == name]
        if check(match and key in (match[0][1].get("data") or {}), deployment_path,
                 f"ConfigMap {name} with key {key} is not among the resources"):
            configmap_path, configmap = match[0]
            k8s_gateway = read_gateway_yaml(configmap["data"][key], configmap_path) or {}
    # Every file the configuration names must be mounted into the pod.
    for section in ("kafka", "populationDb"):
        for key, named in sorted((dig(k8s_gateway, section, "tls") or {}).items()):
            if key.endswith("File"):
                check(named in mounted_files, deployment_path,
                      f"{section}.tls.{key} {named} (configmap.yaml) is not mounted into the pod")
    security = container.get("securityContext") or {}
    check(security.get("readOnlyRootFilesystem") is True and security.get("allowPrivilegeEscalation") is False,
          deployment_path, "the container must have a read-only root filesystem and no privilege escalation")
    check(dig(pod, "securityContext", "runAsNonRoot") is True, deployment_path, "the pod must set runAsNonRoot")
    check(all(k in (container.get("resources") or {}) for k in ("requests", "limits")), deployment_path,
          "the container needs resource requests and limits")
    admin_port = dig(k8s_gateway, "admin", "port", default=8080)
    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports") or []}
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = dig(container, probe, "httpGet", default={})
        probe_port = ports.get(get.get("port"), get.get("port"))
        check(get.get("path") == path and probe_port == admin_port, deployment_path,
              f"{probe} must be GET {path} on the admin port {admin_port} (is {get.get('path')} on {probe_port})")
    labels = dig(deployment, "spec", "template", "metadata", "labels", default={})
    for kind in ("PodDisruptionBudget", "Service"):
        for path, doc in find(kind):
            selector = dig(doc, "spec", "selector", "matchLabels") or dig(doc, "spec", "selector") or {}
            check(selector and all(labels.get(k) == v for k, v in selector.items()), path,
                  f"the {kind}'s selector {selector} does not select the Deployment's pods")

for path, label, gateway in ((configmap_path, "ConfigMap", k8s_gateway), (COMPOSE_CONFIG, "compose", compose_gateway)):
    check(dig(gateway, "admin", "host") == "0.0.0.0", path, f"admin.host must be 0.0.0.0 in a container ({label})")
    check(dig(gateway, "log", "format") == "json", path, f"log.format should be json for the log collector ({label})")
    in_file = [f"{section}.secret" for section in ("populationDb", "cache", "audit") if dig(gateway, section, "secret")]
    check(not in_file, path, f"secrets belong in the environment, not the file ({', '.join(in_file)})")


# ---- 6. dancu-gateway check-config on both configurations ----------------------------------------
def run_check_config(config_path, overrides, shown):
    """Runs check-config with only the DANCU_* variables the deployment sets; the effective config or None."""
    binary = Path(os.environ.get("DANCU_GATEWAY_BIN", ".build/debug/dancu-gateway"))
    if not check(binary.is_file() and os.access(binary, os.X_OK), shown,
                 f"cannot run check-config: {binary} is not an executable (build it, or set DANCU_GATEWAY_BIN)"):
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANCU_")}
    env.update(overrides)
    try:
        result = subprocess.run([str(binary), "check-config", "--config", str(config_path)], env=env,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        check(False, shown, f"check-config could not run: {error}")
        return None
    if not check(result.returncode == 0, shown, "check-config rejects it:\n    "
                 + "\n    ".join(result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])):
        return None
    check(PLACEHOLDER not in result.stdout + result.stderr, shown, "check-config printed a secret unmasked")
    try:
        return yaml.safe_load(result.stdout)
    except yaml.YAMLError:
        check(False, shown, "check-config's output is not YAML")
        return None


compose_env = {}
for service in gateways.values():
    compose_env.update({k: interpolate(v) for k, v in environment_of(service).items() if k.startswith("DANCU_")})
effective_compose = run_check_config(COMPOSE_CONFIG, compose_env, COMPOSE_CONFIG) if COMPOSE_CONFIG.is_file() else None

k8s_env = {}
for variable in container.get("env") or []:
    if str(variable.get("name", "")).startswith("DANCU_"):
        if "value" in variable:
            k8s_env[variable["name"]] = str(variable["value"])
        elif "secretKeyRef" in (variable.get("valueFrom") or {}):
            k8s_env[variable["name"]] = PLACEHOLDER
        else:  # a field of the pod (its name), shown in the effective configuration like any value
            k8s_env[variable["name"]] = "dancu-gateway-pod-0"
effective_k8s = None
if k8s_gateway:
    with tempfile.TemporaryDirectory() as directory:
        extracted = Path(directory) / "gateway.yaml"
        extracted.write_text(configmap["data"]["gateway.yaml"], encoding="utf-8")
        effective_k8s = run_check_config(extracted, k8s_env, f"{where(configmap_path)} (data.gateway.yaml)")


def shutdown_timeout(effective, gateway):
    """How long the gateway may take to stop: the effective pipeline.shutdownTimeout (check-config's, with the
    environment's overrides, else the file's), plus the producer's final flush and the margin GatewayRuntime
    gives its ServiceGroup."""
    value = dig(effective, "pipeline", "shutdownTimeout") if effective else dig(gateway, "pipeline", "shutdownTimeout")
    timeout = DEFAULT_SHUTDOWN_TIMEOUT if value is None else seconds(value)
    return None if timeout is None else timeout + FLUSH_AND_MARGIN


# ---- 7. Grace periods, KEDA limits ----------------------------------------------------------------
timeout = shutdown_timeout(effective_k8s, k8s_gateway)
grace = dig(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds")
check(isinstance(grace, int) and timeout is not None and grace > timeout, deployment_path,
      f"terminationGracePeriodSeconds ({grace}) must exceed the gateway's longest stop, pipeline.shutdownTimeout of the ConfigMap plus 15 s ({'unreadable' if timeout is None else f'{timeout:g}s'})")
timeout = shutdown_timeout(effective_compose, compose_gateway)
for name, service in gateways.items():
    stop = seconds(service.get("stop_grace_period", "10s"))
    check(stop is not None and timeout is not None and stop > timeout, COMPOSE,
          f"services.{name}.stop_grace_period ({service.get('stop_grace_period', '10s, the default')}) must exceed the gateway's longest stop, pipeline.shutdownTimeout plus 15 s ({'unreadable' if timeout is None else f'{timeout:g}s'})")

if check(len(scaled) == 1, kustomization_file, "expected one KEDA ScaledObject among the resources"):
    path, scaled_object = scaled[0]
    spec = scaled_object.get("spec") or {}
    check(scaled_object.get("apiVersion") == "keda.sh/v1alpha1", path, "apiVersion must be keda.sh/v1alpha1")
    check(dig(spec, "scaleTargetRef", "name") == dig(deployment, "metadata", "name"), path,
          "scaleTargetRef.name must name the Deployment")
    maximum, minimum = spec.get("maxReplicaCount"), spec.get("minReplicaCount", 0)
    check(isinstance(maximum, int) and maximum <= request_partitions, path,
          f"maxReplicaCount {maximum} exceeds the {request_partitions} partitions of each request topic: extra pods would get none")
    check(isinstance(minimum, int) and 2 <= minimum <= (maximum or 0), path,
          f"minReplicaCount {minimum} should be at least 2 (one pod down must not stop the service) and at most maxReplicaCount")
    triggers = [t for t in spec.get("triggers") or [] if t.get("type") == "kafka"]
    if check(len(triggers) == 1, path, "expected one trigger of type kafka"):
        metadata = triggers[0].get("metadata") or {}
        check(str(metadata.get("lagThreshold", "")).isdigit(), path, "the kafka trigger needs a numeric lagThreshold")
        check(str(metadata.get("allowIdleConsumers")).lower() == "false", path, "allowIdleConsumers must be false")
        group = dig(k8s_gateway, "kafka", "groupId", default="dancu-gateway")
        check(metadata.get("consumerGroup") == group, path,
              f"consumerGroup {metadata.get('consumerGroup')} is not the gateway's kafka.groupId {group}")
        servers = dig(k8s_gateway, "kafka", "bootstrapServers", default=[])
        check(str(metadata.get("bootstrapServers", "")).split(",") == list(servers), path,
              "bootstrapServers differs from kafka.bootstrapServers in the ConfigMap")
        if dig(k8s_gateway, "kafka", "securityProtocol", default="plaintext") != "plaintext":
            reference = dig(triggers[0], "authenticationRef", "name")
            names = [dig(doc, "metadata", "name") for _, doc in find("TriggerAuthentication")]
            check(reference in names, path,
                  f"the brokers need TLS/SASL but the trigger's authenticationRef ({reference}) names no TriggerAuthentication among the resources")

# ---- 8. Portal isolation: ACLs, principals, SASL, network policy ----------------------------------
acl_script = DEPLOY / "kafka" / "create-acls.sh"
if check(acl_script.is_file(), acl_script, "missing: portal isolation needs ACLs as code"):
    acl_text = acl_script.read_text(encoding="utf-8")
    check_tracked(acl_script, acl_script, "the ACL script")

    def acl_default(name):
        match = re.search(rf"^{name}=\$\{{{name}:-([^}}]*)\}}", acl_text, re.M)
        return match.group(1) if match else None

    # What each principal is granted, read from the script's allow lines (the portal loop's use $principal).
    grants = set()
    for line in acl_text.splitlines():
        match = re.match(r'\s*allow "\$(\w+)" (\w+) --(topic|group) "\$(\w+)(\$\w+)?"', line)
        if match:
            principal, operation, kind, base, suffix = match.groups()
            grants.add((principal, operation, kind, base + ("+portal" if suffix else "")))
    for expected, meaning in (
        (("principal", "WRITE", "topic", "REQUEST_PREFIX+portal"), "a portal writes its own request topic"),
        (("principal", "READ", "topic", "OUTCOME_PREFIX+portal"), "a portal reads its own outcome topic"),
        (("GATEWAY_PRINCIPAL", "READ", "topic", "REQUEST_PREFIX"), "the gateway reads request topics"),
        (("GATEWAY_PRINCIPAL", "READ", "group", "GATEWAY_GROUP"), "the gateway joins its group"),
        (("GATEWAY_PRINCIPAL", "WRITE", "topic", "OUTCOME_PREFIX"), "the gateway writes outcome topics"),
        (("GATEWAY_PRINCIPAL", "WRITE", "topic", "DEADLETTER_TOPIC"), "the gateway writes dead letters"),
        (("GATEWAY_PRINCIPAL", "WRITE", "topic", "AUDIT_TOPIC"), "the gateway writes the audit trail"),
        (("KEDA_PRINCIPAL", "DESCRIBE", "group", "GATEWAY_GROUP"), "KEDA describes the gateway's group"),
    ):
        check(expected in grants, acl_script, f"no ACL for: {meaning}")
    portal_grants = {g for g in grants if g[0] == "principal"}
    check(all(g[1] in ("WRITE", "READ", "DESCRIBE") and (g[3].endswith("+portal") or g[2] == "group") for g in portal_grants)
          and not any(g[1] == "WRITE" and g[3].startswith("OUTCOME") for g in portal_grants)
          and not any(g[1] == "READ" and g[3].startswith("REQUEST") for g in portal_grants),
          acl_script, "a portal must be granted its own two topics only: WRITE requests, READ outcomes")
    keda_grants = {g for g in grants if g[0] == "KEDA_PRINCIPAL"}
    check(all(g[1] == "DESCRIBE" for g in keda_grants), acl_script, "KEDA must be granted DESCRIBE only")

    init_env = topic_env
    gateway_principal = init_env.get("GATEWAY_PRINCIPAL", acl_default("GATEWAY_PRINCIPAL"))
    check(sorted(init_env.get("PORTALS", "").split()) == sorted(portal_ids), COMPOSE,
          "the ACLs must cover every portal of config/gateway.yaml (kafka-init PORTALS)")
    check(dig(compose_gateway, "kafka", "sasl", "username") == gateway_principal, COMPOSE_CONFIG,
          f"kafka.sasl.username ({dig(compose_gateway, 'kafka', 'sasl', 'username')}) is not the principal the ACLs grant ({gateway_principal})")
    check(init_env.get("GATEWAY_GROUP", acl_default("GATEWAY_GROUP")) == dig(compose_gateway, "kafka", "groupId", default="dancu-gateway"),
          COMPOSE, "the ACLs' GATEWAY_GROUP is not the gateway's kafka.groupId")
    check(dig(k8s_gateway, "kafka", "sasl", "username") == acl_default("GATEWAY_PRINCIPAL"), configmap_path,
          "kafka.sasl.username is not the ACL script's default gateway principal")
    check(dig(compose_gateway, "kafka", "securityProtocol") in ("sasl_plaintext", "sasl_ssl"), COMPOSE_CONFIG,
          "the Compose gateway must authenticate to Kafka (sasl_plaintext or sasl_ssl): ACLs need a principal")
    mounted = {str(v).split(":")[0] for v in (services.get(kafka_init_name) or {}).get("volumes") or []}
    init_command = " ".join(map(str, (services.get(kafka_init_name) or {}).get("command") or []))
    check("./kafka" in mounted and "create-acls.sh" in init_command, COMPOSE, "kafka-init does not run kafka/create-acls.sh")
    broker_env = environment_of(services[brokers[0]]) if brokers else {}
    check(broker_env.get("KAFKA_AUTHORIZER_CLASS_NAME") == "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
          COMPOSE, "the brokers must run StandardAuthorizer, or the ACLs are not enforced")
    check(broker_env.get("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND") == "false", COMPOSE,
          "KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND must be false: a topic without ACLs must not be open to all")
    protocols = dict(pair.split(":") for pair in broker_env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "").split(",") if ":" in pair)
    check(protocols and all(value.startswith("SASL") for value in protocols.values()), COMPOSE,
          f"every listener must authenticate (SASL): {protocols}")
    check("SCRAM-SHA-512" in broker_env.get("KAFKA_SASL_ENABLED_MECHANISMS", ""), COMPOSE,
          "the brokers must accept SCRAM-SHA-512, the gateway's mechanism")

policies = find("NetworkPolicy")
if check(policies, kustomization_file, "no NetworkPolicy among the resources: the admin port would be open to every pod"):
    path, policy = policies[0]
    rules = dig(policy, "spec", "ingress", default=[]) or []
    check("Ingress" in (dig(policy, "spec", "policyTypes") or []), path, "policyTypes must include Ingress")
    check(rules and all(dig(source, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") == "monitoring"
                        for rule in rules for source in rule.get("from") or [{}]),
          path, "the admin port must be admitted from the monitoring namespace only")

# ---- 9. Alerts: runbook links, no instance and a job-independent instance-down rule ---------------
alerts_file = DEPLOY / "prometheus" / "dancu-alerts.yml"
alert_groups = (single(alerts_file) or {}).get("groups") or []
alert_rules = [rule for group in alert_groups for rule in group.get("rules") or [] if "alert" in rule]


def anchors(markdown):
    """GitHub's heading anchors: lowercased, punctuation dropped, spaces to hyphens."""
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#+\s+(.*)$", markdown, re.M)}


for rule in alert_rules:
    url = dig(rule, "annotations", "runbook_url")
    if not check(url, alerts_file, f"{rule['alert']} has no annotations.runbook_url"):
        continue
    document, _, anchor = str(url).partition("#")
    target = ROOT / document
    check(target.is_file() and anchor in anchors(target.read_text(encoding="utf-8")), alerts_file,
          f"{rule['alert']}: runbook_url {url} does not resolve to a section")
    check("job=" not in str(rule.get("expr")), alerts_file,
          f"{rule['alert']} depends on a scrape job's name, which Kubernetes service discovery does not keep")
expressions = [str(rule.get("expr")) for rule in alert_rules]
check(any("absent(" in expr for expr in expressions), alerts_file, "no absent() rule: nothing fires when every instance is gone")
minimum_rule = next((re.search(r"count\(dancu_build_info\) < (\d+)", e) for e in expressions
                     if re.search(r"count\(dancu_build_info\) < (\d+)", e)), None)
if check(minimum_rule, alerts_file, "no rule for instances that stopped reporting (count(dancu_build_info) < N)") and scaled:
    minimum_replicas = dig(scaled[0][1], "spec", "minReplicaCount")
    check(int(minimum_rule.group(1)) == minimum_replicas, alerts_file,
          f"count(dancu_build_info) < {minimum_rule.group(1)} differs from the ScaledObject's minReplicaCount {minimum_replicas}")
operator_rule = DEPLOY / "kubernetes" / "prometheus-operator" / "prometheusrule.yaml"
operator = single(operator_rule) or {}
check(dig(operator, "spec", "groups") == alert_groups, operator_rule,
      "its groups differ from prometheus/dancu-alerts.yml: edit both together")

for problem in problems:
    print(f"deploy: {problem}", file=sys.stderr)
if problems:
    print(f"deploy: {passed} checks passed, {len(problems)} failed", file=sys.stderr)
    sys.exit(1)
print(f"deploy: {passed} checks passed")
