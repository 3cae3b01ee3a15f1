#!/usr/bin/python3
"""Check deploy/ against the binary: every YAML parses, and every flag, config key,
environment override, probe path, port and metric name the manifests, the compose
file, the sample configs and the Grafana dashboard use exists in bin/wirewatch.

    /usr/bin/python3 tests/tools/check_deploy.py WW_BINARY REPO_ROOT

Prints one TAP line per check ("ok - ..." / "not ok - ..."); exit 1 when one failed.
Needs PyYAML (Debian python3-yaml), hence /usr/bin/python3.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

WW, ROOT = sys.argv[1], sys.argv[2]
DEPLOY = os.path.join(ROOT, "deploy")
STAGES = ("fetch", "parse", "classify")
failed = 0


def check(name, ok, detail=""):
    global failed
    print(("ok - " if ok else "not ok - ") + name)
    if not ok:
        failed += 1
        if detail:
            print("#   " + str(detail).replace("\n", "\n#   "))


def run(*args, **kw):
    return subprocess.run([WW, *args], capture_output=True, text=True, timeout=30, **kw)


# ---- what the binary offers ----------------------------------------------------------
FLAGS, KEYS = {}, {}
for st in STAGES:
    r = run(st, "--help")
    FLAGS[st] = set(re.findall(r"(--[a-z][a-z-]*)", r.stdout + r.stderr))
    r = run(st, "--print-config")
    KEYS[st] = {m.group(1): m.group(2) for m in
                re.finditer(r"^# (\S+) \((.+?), default ", r.stdout, re.M)}
    check(f"{st}: --help lists flags and --print-config lists keys",
          "--in" in FLAGS[st] and "http.listen" in KEYS[st], r.stderr[-300:])


def env_ok(st, name):
    """WW_SECTION__KEY must name a declared key; WW_KAFKA__* is librdkafka's."""
    if name.startswith("WW_KAFKA__"):
        return True
    if not name.startswith("WW_") or "__" not in name:
        return True  # not an override (KAFKA_BROKERS for $(VAR) substitution, ...)
    key = name[3:].lower().replace("__", ".")
    return key in KEYS[st]


def flag_problems(st, args):
    bad = []
    for a in args:
        if not a.startswith("--"):
            continue
        flag = a.split("=", 1)[0]
        if flag not in FLAGS[st]:
            bad.append(f"unknown flag {flag}")
        if flag == "--set":
            key = a.split("=", 2)[1] if a.count("=") >= 2 else ""
            if key not in KEYS[st]:
                bad.append(f"--set of unknown key {key!r}")
    return bad


def config_ok(st, text, label):
    """The binary itself validates a config (unknown keys and wrong types fail)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(text)
    try:
        r = run(st, "--config", f.name, "--print-config")
    finally:
        os.unlink(f.name)
    check(f"{label}: accepted by `wirewatch {st} --print-config`", r.returncode == 0,
          r.stderr.strip())
    return json.loads(text) if r.returncode == 0 else {}


def listen_port(cfg):
    listen = cfg.get("http", {}).get("listen", "")
    return int(listen.rsplit(":", 1)[1]) if ":" in listen else None


# ---- YAML parses ---------------------------------------------------------------------
docs = {}
for path in sorted(glob.glob(os.path.join(DEPLOY, "**", "*.yaml"), recursive=True)):
    rel = os.path.relpath(path, ROOT)
    if rel.startswith("deploy/dev/"):
        continue
    try:
        docs[rel] = [d for d in yaml.safe_load_all(open(path)) if d is not None]
        check(f"{rel} parses as YAML", bool(docs[rel]))
    except yaml.YAMLError as e:
        check(f"{rel} parses as YAML", False, e)

# ---- sample configs ------------------------------------------------------------------
samples = {}
for st in STAGES:
    p = os.path.join(DEPLOY, "config", f"{st}.json")
    samples[st] = config_ok(st, open(p).read(), f"deploy/config/{st}.json")

# ---- Kubernetes ----------------------------------------------------------------------
objs = [(rel, d) for rel, ds in docs.items() if rel.startswith("deploy/k8s/") for d in ds]
by_kind = {}
for rel, d in objs:
    by_kind.setdefault(d.get("kind"), []).append((rel, d))

for rel, d in by_kind.get("Kustomization", []):
    base = os.path.dirname(os.path.join(ROOT, rel))
    missing = [r for r in d.get("resources", []) if not os.path.exists(os.path.join(base, r))]
    check(f"{rel}: every resource exists", not missing, missing)

cms = {d["metadata"]["name"]: d for _, d in by_kind.get("ConfigMap", [])}
for name, cm in cms.items():
    for key, text in cm.get("data", {}).items():
        if not key.endswith(".json"):
            continue
        st = key[:-5]
        cfg = config_ok(st, text, f"ConfigMap {name} {key}")
        check(f"ConfigMap {name} {key} equals deploy/config/{key}", cfg == samples.get(st))

deployments = {}
for rel, d in by_kind.get("Deployment", []):
    name = d["metadata"]["name"]
    deployments[name] = d
    spec = d["spec"]["template"]["spec"]
    c = spec["containers"][0]
    args = c.get("args", [])
    st = args[0] if args else ""
    check(f"{name}: runs a stage ({st})", st in STAGES)
    if st not in STAGES:
        continue
    check(f"{name}: every flag exists in `wirewatch {st} --help`",
          not flag_problems(st, args[1:]), flag_problems(st, args[1:]))
    envs = {e["name"] for e in c.get("env", [])}
    bad_env = [e for e in envs if not env_ok(st, e)]
    check(f"{name}: every WW_* variable overrides a real key", not bad_env, bad_env)
    used = set(re.findall(r"\$\(([A-Z_][A-Z0-9_]*)\)", " ".join(args)))
    check(f"{name}: every $(VAR) in args is defined in env", used <= envs, used - envs)
    conf = [a.split("=", 1)[1] for a in args if a.startswith("--config=")]
    cfg = {}
    if conf:
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        vols = {v["name"]: v for v in spec.get("volumes", [])}
        dirn, fname = os.path.split(conf[0])
        vol = vols.get(mounts.get(dirn, ""), {})
        cmname = vol.get("configMap", {}).get("name", "")
        ok = cmname in cms and fname in cms[cmname].get("data", {})
        check(f"{name}: --config {conf[0]} is a key of a mounted ConfigMap", ok)
        if ok:
            cfg = json.loads(cms[cmname]["data"][fname])
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    check(f"{name}: containerPort 'metrics' = http.listen port of its config",
          ports.get("metrics") == listen_port(cfg) and cfg.get("http", {}).get("listen", "").startswith("0.0.0.0:"),
          f"{ports} vs {cfg.get('http')}")
    # the admin endpoints of a server on 0.0.0.0 need a token, mounted from a Secret
    env_vals = {e["name"]: e.get("value", "") for e in c.get("env", [])}
    tok = env_vals.get("WW_HTTP__ADMIN_TOKEN_FILE", cfg.get("http", {}).get("admin_token_file", ""))
    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    tvol = vols.get(mounts.get(os.path.dirname(tok), ""), {}) if tok else {}
    check(f"{name}: http.admin_token_file is a file of a mounted Secret",
          bool(tok) and "secret" in tvol and os.path.basename(tok) in
          [i["path"] for i in tvol["secret"].get("items", [])] + ["token"], tok)
    probes = {k: c.get(k, {}).get("httpGet", {}) for k in ("livenessProbe", "readinessProbe")}
    check(f"{name}: liveness /healthz and readiness /readyz on the metrics port",
          probes["livenessProbe"].get("path") == "/healthz"
          and probes["readinessProbe"].get("path") == "/readyz"
          and all(p.get("port") in ("metrics", ports.get("metrics")) for p in probes.values()))
    sc = c.get("securityContext", {})
    check(f"{name}: non-root, read-only root filesystem, /tmp writable",
          spec.get("securityContext", {}).get("runAsNonRoot") is True
          and sc.get("readOnlyRootFilesystem") is True
          and any(m["mountPath"] == "/tmp" for m in c.get("volumeMounts", [])))
    grace = spec.get("terminationGracePeriodSeconds", 30) * 1000
    drain = cfg.get("worker", {}).get("shutdown_timeout_ms", 30000)
    check(f"{name}: grace period ({grace} ms) > worker.shutdown_timeout_ms ({drain})", grace > drain)
    d["_stage"], d["_args"] = st, args


def selects(sel, deployment):
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    return all(labels.get(k) == v for k, v in sel.items())


for kind in ("Service", "PodDisruptionBudget"):
    for rel, d in by_kind.get(kind, []):
        sel = d["spec"]["selector"]
        sel = sel.get("matchLabels", sel) if kind == "PodDisruptionBudget" else sel
        check(f"{kind} {d['metadata']['name']} selects a Deployment",
              any(selects(sel, dep) for dep in deployments.values()))

for rel, d in by_kind.get("ScaledObject", []) + by_kind.get("HorizontalPodAutoscaler", []):
    tgt = d["spec"]["scaleTargetRef"]["name"]
    dep = deployments.get(tgt)
    check(f"{d['kind']} {d['metadata']['name']} targets Deployment {tgt}", dep is not None)
    if not dep:
        continue
    in_uri = next(a for a in dep["_args"] if a.startswith("--in="))
    m = re.match(r"--in=kafka://[^/]+/([^?]+)\?group=(.+)", in_uri)
    if d["kind"] == "ScaledObject":
        trig = d["spec"]["triggers"][0]["metadata"]
        check(f"ScaledObject {tgt}: consumerGroup and topic are the Deployment's input",
              m and trig.get("topic") == m.group(1) and trig.get("consumerGroup") == m.group(2),
              f"{trig} vs {in_uri}")
    else:
        ext = [x["external"]["metric"] for x in d["spec"]["metrics"] if x["type"] == "External"]
        check(f"HPA {tgt}: lag metric is this stage's",
              all(e["name"] == f"wirewatch_{dep['_stage']}_kafka_consumer_lag"
                  and e.get("selector", {}).get("matchLabels", {}).get("topic") == m.group(1)
                  for e in ext))

# ---- compose -------------------------------------------------------------------------
compose = docs.get("deploy/compose.yaml", [{}])[0]
for sname, svc in compose.get("services", {}).items():
    if svc.get("image", "") != "wirewatch:dev":
        continue
    cmd = svc.get("command", [])
    st = cmd[0] if cmd else ""
    check(f"compose {sname}: runs a stage ({st})", st in STAGES)
    if st not in STAGES:
        continue
    check(f"compose {sname}: every flag and --set key exists", not flag_problems(st, cmd[1:]),
          flag_problems(st, cmd[1:]))
    bad_env = [e for e in (svc.get("environment") or {}) if not env_ok(st, e)]
    check(f"compose {sname}: every WW_* variable overrides a real key", not bad_env, bad_env)
    conf = [a.split("=", 1)[1] for a in cmd if a.startswith("--config=")]
    vols = dict(v.split(":")[1::-1][:2] for v in svc.get("volumes", []))  # container -> host
    host = vols.get(os.path.dirname(conf[0])) if conf else None
    path = os.path.normpath(os.path.join(DEPLOY, host, os.path.basename(conf[0]))) if host else ""
    check(f"compose {sname}: --config file exists in the mounted directory", os.path.isfile(path), path)
    check(f"compose {sname}: read-only root filesystem, /tmp on tmpfs",
          svc.get("read_only") is True and "/tmp" in svc.get("tmpfs", []))
    if "--set=http.listen=" not in cmd and os.path.isfile(path):
        port = listen_port(json.load(open(path)))
        published = [p.rsplit(":", 1)[1] for p in svc.get("ports", [])]
        check(f"compose {sname}: published port targets http.listen ({port})", published == [str(port)],
              published)

# ---- Dockerfile ----------------------------------------------------------------------
dockerfile = open(os.path.join(DEPLOY, "Dockerfile")).read()
stages = re.split(r"^FROM ", dockerfile, flags=re.M)[1:]
check("Dockerfile: two stages from debian:12-slim",
      len(stages) == 2 and all(s.startswith("debian:12-slim") for s in stages))


def apt_pkgs(stage_text):
    pkgs = []
    for m in re.finditer(r"apt-get install ([^&]*)", stage_text.replace("\\\n", " ")):
        pkgs += [w for w in m.group(1).split() if not w.startswith("-")]
    return pkgs


make = open(os.path.join(ROOT, "Makefile")).read().replace("\\\n", " ")
deb_build = re.search(r"^DEB_BUILD\s*:=(.*)$", make, re.M).group(1).split()
check("Dockerfile: build stage installs exactly the Makefile's DEB_BUILD",
      sorted(apt_pkgs(stages[0])) == sorted(deb_build),
      set(apt_pkgs(stages[0])) ^ set(deb_build))
runtime = apt_pkgs(stages[1])
unknown = [p for p in runtime if subprocess.run(["apt-cache", "show", p], capture_output=True).returncode]
check("Dockerfile: every runtime package exists in Debian 12", runtime and not unknown, unknown)
# every library the binary links directly comes from a runtime package of the image;
# the image is built with plain `make build`, so look at bin/wirewatch even when the
# tests run the sanitizer build (which links libasan, libubsan and more)
plain = os.path.join(ROOT, "bin", "wirewatch")
needed = re.findall(r"NEEDED\s+(\S+)", subprocess.run(
    ["objdump", "-p", plain if os.path.exists(plain) else WW], capture_output=True,
    text=True).stdout)
ldcache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
unprovided = []
for lib in needed:
    m = re.search(r"^\s*" + re.escape(lib) + r" .*=> (\S+)$", ldcache, re.M)
    if not m:
        unprovided.append(lib)
        continue
    real = os.path.realpath(m.group(1))
    owners = set()
    for cand in (real, real.replace("/usr/lib/", "/lib/", 1), real.replace("/lib/", "/usr/lib/", 1)):
        r = subprocess.run(["dpkg", "-S", cand], capture_output=True, text=True)
        if r.returncode == 0:
            owners |= {o.split(":")[0] for o in r.stdout.split(": ")[0].split(", ")}
    if not owners & (set(runtime) | {"libc6", "libgcc-s1"}):
        unprovided.append(f"{lib} ({', '.join(sorted(owners)) or 'no package'})")
check("Dockerfile: every library bin/wirewatch links is installed at run time",
      needed and not unprovided, unprovided)
check("Dockerfile: no -dev package at run time", not [p for p in runtime if p.endswith("-dev")])
user = re.findall(r"^USER (\S+)", stages[1], re.M)
check("Dockerfile: runs as a non-root user", user and not user[-1].startswith(("0", "root")))

# ---- Grafana: every metric a panel uses is served by a worker of that stage ----------
served = {}
for st in STAGES:
    p = subprocess.Popen([WW, st, "--in", "-", "--out", "file:/dev/null",
                          "--set", "http.listen=127.0.0.1:0"],
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port, names = None, set()
    deadline = time.time() + 10
    while time.time() < deadline and port is None:
        line = p.stderr.readline()
        m = re.search(r"http listening on .*\(port (\d+)\)", line)
        if m:
            port = int(m.group(1))
    if port:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        names = set(re.findall(r"^# TYPE (\S+)", text, re.M))
    p.stdin.close()
    p.wait(timeout=30)
    check(f"{st}: a worker serves /metrics (port from its log)", bool(names))
    served[st] = names

dash = json.load(open(os.path.join(DEPLOY, "grafana", "wirewatch-dashboard.json")))
every = set().union(*served.values())
missing = set()
for panel in dash["panels"]:
    for t in panel.get("targets", []):
        for name in re.findall(r"\b(wirewatch_[a-z0-9_]+)", t["expr"]):
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            st = name.split("_")[1]
            pool = served.get(st, every)
            if base not in pool:
                missing.add(name)
check("Grafana dashboard: every metric it queries is served by the workers", not missing,
      sorted(missing))
check("Grafana dashboard: every panel has a query", all(p.get("targets") for p in dash["panels"]))

print(f"# {failed} failed")
sys.exit(1 if failed else 0)
