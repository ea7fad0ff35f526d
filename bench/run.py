"""Benchmark: the scanner against a sequential boto3 baseline, on one seeded sandbox.

    .venv/bin/python bench/run.py --resources 5000 --regions 3 --latency-ms 50 \\
        --out bench/results/latest.json

In this one process: start the sandbox (moto on 127.0.0.1), seed it, and put the fault proxy
in front of it with a fixed latency on every call. Then run, each as a child process through
the proxy, the scanner's scan of the seeded services and regions and bench/baseline.py. For
each run: wall time, API calls per operation (counted by the proxy) against the minimum
computed from what was seeded and the page sizes, calls and time per service, and the child's
peak RSS. Both runs must find the same resources with the same encryption.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import seed as seeding  # noqa: E402

from scanner.faults import LATENCY, FaultProxy, Rule  # noqa: E402
from scanner.sandbox import Sandbox  # noqa: E402

log = logging.getLogger("bench")

UNPAGED = 0  # moto answers every item in one page when no page size is asked for

# Listing operation, the largest page the API takes (and moto honours), and the per-resource
# read, if the listing does not carry the key. Checked against moto 5.2.5.
LISTINGS = {
    "sqs": ("sqs", "ListQueues", 1000, "GetQueueAttributes"),
    "sns": ("sns", "ListTopics", 100, "GetTopicAttributes"),
    "secretsmanager": ("secretsmanager", "ListSecrets", 100, None),
    "ssm": ("ssm", "DescribeParameters", 50, None),
    "dynamodb": ("dynamodb", "ListTables", 100, "DescribeTable"),
    "kinesis": ("kinesis", "ListStreams", 10000, "DescribeStreamSummary"),
    "s3": ("s3", "ListBuckets", 10000, "GetBucketEncryption"),
    "ebs": ("ec2", "DescribeVolumes", UNPAGED, None),
    "ecr": ("ecr", "DescribeRepositories", UNPAGED, None),
}
# Calls made once per region whatever was seeded.
PER_REGION = {
    "ebs": [
        ("ec2", "DescribeSnapshots"),
        ("ec2", "GetEbsEncryptionByDefault"),
        ("ec2", "GetEbsDefaultKmsKeyId"),
    ],
}
SAMPLE_S = 0.25
KEYS_PAGE = 1000  # ListKeys
ALIASES_PAGE = 100  # ListAliases


class TimedProxy(FaultProxy):
    """The fault proxy, also counting calls per region and when each service was busy."""

    def configure(self, rules=(), seed=0) -> None:
        super().configure(rules, seed)
        self.by_region: Counter = Counter()
        self.spans: dict[tuple[str, str], list[float]] = {}

    def _decide(self, call):
        now = time.monotonic()
        self.by_region[(call.service, call.region, call.operation)] += 1
        span = self.spans.setdefault((call.service, call.region), [now, now])
        span[1] = now
        return super()._decide(call)


def minimum_calls(seeded: seeding.Seeded) -> Counter:
    """The calls no scan of the seeded account can do without, per (client, operation)."""
    need: Counter = Counter({("sts", "GetCallerIdentity"): 1, ("ec2", "DescribeRegions"): 1})
    for region in seeded.regions:
        managed, customer = seeded.managed_keys[region], seeded.customer_keys[region]
        aliases = len(seeding.SERVICES) + customer  # the sandbox lists every alias/aws/* too
        need[("kms", "ListKeys")] += _pages(managed + customer, KEYS_PAGE)
        need[("kms", "ListAliases")] += _pages(aliases, ALIASES_PAGE)
        need[("kms", "DescribeKey")] += managed + customer
        need[("kms", "GetKeyPolicy")] += managed
        for service in seeded.services:
            client, listing, page, detail = LISTINGS[service]
            count = seeded.resources[(service, region)]
            need[(client, listing)] += _pages(count, page)
            if detail:
                need[(client, detail)] += count

            for call in PER_REGION.get(service, []):
                need[call] += 1

    return need


def _pages(count: int, page: int) -> int:
    return 1 if page == UNPAGED else max(1, math.ceil(count / page))


def child_environment(proxy: FaultProxy, box: Sandbox, empty: Path) -> dict[str, str]:
    """This environment without any AWS_* variable, pointed at the proxy."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(proxy.env(box.env()))
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = str(empty)
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


def run_child(
    name: str, argv: list[str], env: dict, proxy: TimedProxy, rules: tuple, work: Path
) -> dict:
    """Run one child through the proxy; its wall time, peak RSS and the calls it made."""
    proxy.configure(rules)
    usage_file = work / f"{name}.usage.json"
    launcher = [sys.executable, str(HERE / "measure.py"), str(usage_file), *argv]
    log.info("running %s: %s", name, " ".join(argv))
    started, server = time.monotonic(), _own_cpu()
    child = subprocess.Popen(launcher, env=env, cwd=ROOT)
    timeline = _sample(child, proxy, started)
    wall = time.monotonic() - started
    server = _own_cpu() - server
    usage = json.loads(usage_file.read_text())
    return {
        "name": name,
        "exit_code": child.returncode,
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(usage["peak_rss_kib"] / 1024, 1),
        "cpu_s": usage["cpu_s"],
        # CPU of this process (sandbox and proxy, one interpreter): near wall_s, it is the limit.
        "sandbox_cpu_s": round(server, 2),
        "sandbox_busy": round(server / wall, 2),
        "calls": sum(proxy.seen.values()),
        "per_operation": {f"{s}:{o}": n for (s, o), n in sorted(proxy.seen.items())},
        "per_service": _per_service(proxy),
        "phases": _phases(timeline),
        "timeline": timeline,
    }


def _sample(child: subprocess.Popen, proxy: TimedProxy, started: float) -> list[tuple]:
    """Until the child ends: every SAMPLE_S, seconds, its command's RSS in MB, calls so far."""
    timeline = []
    while child.poll() is None:
        rss = sum(_rss_mb(pid) for pid in _descendants(child.pid))
        timeline.append((round(time.monotonic() - started, 2), rss, sum(proxy.seen.values())))
        time.sleep(SAMPLE_S)

    return timeline


def _descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            children = []
        queue += [int(child) for child in children]

    return found[1:]  # the launcher itself is not the command


def _rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0

    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)

    return 0.0


def _phases(timeline: list[tuple]) -> dict:
    """When the last API call came, and the peak RSS before and after it (report writing)."""
    if not timeline:
        return {}

    total = timeline[-1][2]
    last_call = next(t for t, _, calls in timeline if calls == total)
    calling = [rss for t, rss, _ in timeline if t <= last_call] or [0.0]
    after = [rss for t, rss, _ in timeline if t > last_call] or [0.0]
    return {
        "last_call_s": last_call,
        "after_calls_s": round(timeline[-1][0] - last_call, 2),
        "peak_rss_mb_while_calling": max(calling),
        "peak_rss_mb_after_calls": max(after),
    }


def profiled(
    scan: list[str], env: dict, proxy: TimedProxy, rules: tuple, work: Path, folder: Path
) -> dict:
    """The scanner's run under py-spy, with this process (the sandbox) sampled meanwhile.

    The profiles are collapsed stacks, one per line with its sample count; the figures of a
    profiled run are slower than a plain one's.
    """
    folder.mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).with_name("py-spy"))
    record = [spy, "record", "--rate", "200", "--format", "raw", "--nonblocking"]
    sandbox = subprocess.Popen(
        [*record, "--pid", str(os.getpid()), "-o", str(folder / "sandbox.txt")]
    )
    time.sleep(1)
    try:
        scanner = [*record, "-o", str(folder / "scanner.txt"), "--", *scan]
        return run_child("scanner", scanner, env, proxy, rules, work)
    finally:
        sandbox.send_signal(signal.SIGINT)
        sandbox.wait()


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _per_service(proxy: TimedProxy) -> dict:
    """Calls per service, and seconds it was busy summed over regions (first to last call)."""
    calls: Counter = Counter()
    for (service, _region, _operation), count in proxy.by_region.items():
        calls[service] += count

    busy: dict[str, float] = defaultdict(float)
    for (service, _region), (first, last) in proxy.spans.items():
        busy[service] += last - first

    return {name: {"calls": calls[name], "busy_s": round(busy[name], 2)} for name in sorted(calls)}


def scanner_facts(out: Path) -> tuple[Counter, Counter]:
    """Resources per service and encryption in the scanner's findings; and resources per service.

    The second leaves out account settings (the EBS default key), which were not seeded.
    """
    facts: Counter = Counter()
    resources: Counter = Counter()
    for path in out.rglob("findings.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            finding = json.loads(line)
            facts[f"{finding['service']}/{finding['encryption']}"] += 1
            if finding["resource_type"] != "default_key":
                resources[finding["service"]] += 1

    return facts, resources


def found_per_service(found: Counter, seeded: seeding.Seeded) -> dict:
    """Resources the scanner reported per service, against how many were seeded."""
    made: Counter = Counter()
    for (service, _region), count in seeded.resources.items():
        made[service] += count

    return {name: {"seeded": made[name], "found": found[name]} for name in seeded.services}


def compare(minimum: Counter, seen: dict) -> dict:
    """Calls made against the minimum, per operation, and in total."""
    rows = {}
    for key in sorted(set(minimum) | {tuple(k.split(":", 1)) for k in seen}):
        made = seen.get(":".join(key), 0)
        rows[":".join(key)] = {"made": made, "minimum": minimum.get(key, 0)}

    made_total = sum(seen.values())
    floor = sum(minimum.values())
    return {
        "per_operation": rows,
        "made": made_total,
        "minimum": floor,
        "ratio": round(made_total / floor, 3),
    }


def machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def print_table(result: dict) -> None:
    runs = result["runs"]
    print(
        f"\nN={result['seeded']['resources']} resources, {len(result['seeded']['regions'])} "
        f"regions, {result['latency_ms']} ms per call, seeding {result['seed_s']} s"
    )
    print(
        f"{'run':10} {'wall s':>8} {'calls':>7} {'x min':>6} {'peak MB':>8} {'cpu s':>7} "
        f"{'sandbox cpu s':>14}"
    )
    for run in runs.values():
        ratio = run["against_minimum"]["ratio"]
        print(
            f"{run['name']:10} {run['wall_s']:8.1f} {run['calls']:7d} {ratio:6.3f} "
            f"{run['peak_rss_mb']:8.1f} {run['cpu_s']:7.1f} {run['sandbox_cpu_s']:14.1f}"
        )

    missed = {k: v for k, v in result["found_per_service"].items() if v["seeded"] != v["found"]}
    print(f"scanner found every seeded resource: {not missed} {missed or ''}")
    for run in runs.values():
        print(f"{run['name']}: {run['phases']}")

    if "speedup" in result:
        print(
            f"scanner is {result['speedup']}x faster than the baseline; "
            f"facts agree: {result['facts_agree']}"
        )

    print(f"\n{'operation':42} {'minimum':>8} " + " ".join(f"{n:>9}" for n in runs))
    operations = sorted(
        {op for run in runs.values() for op in run["against_minimum"]["per_operation"]}
    )
    for op in operations:
        cells = [runs[n]["against_minimum"]["per_operation"].get(op, {}) for n in runs]
        floor = next((c["minimum"] for c in cells if c), 0)
        print(f"{op:42} {floor:8d} " + " ".join(f"{c.get('made', 0):9d}" for c in cells))

    print(f"\n{'service':16} " + " ".join(f"{n + ' calls':>16} {n + ' busy s':>16}" for n in runs))
    services = sorted({s for run in runs.values() for s in run["per_service"]})
    for service in services:
        cells = [runs[n]["per_service"].get(service, {"calls": 0, "busy_s": 0}) for n in runs]
        print(f"{service:16} " + " ".join(f"{c['calls']:16d} {c['busy_s']:16.2f}" for c in cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--resources", type=int, default=5000)
    parser.add_argument("--regions", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    parser.add_argument("--no-baseline", action="store_true", help="run the scanner only")
    parser.add_argument(
        "--profile", type=Path, help="folder for py-spy profiles of the scanner and the sandbox"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[name]
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

    result = benchmark(args)
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0


def benchmark(args: argparse.Namespace) -> dict:
    regions = seeding.regions_for(args.regions)
    services = list(seeding.SERVICES)
    rules = (Rule(LATENCY, delay=args.latency_ms / 1000),)
    with Sandbox(seed=False) as box, tempfile.TemporaryDirectory() as work:
        started = time.monotonic()
        seeded = seeding.seed(box, args.resources, regions)
        seed_s = round(time.monotonic() - started, 1)
        log.info("seeded %s resources in %s s", sum(seeded.resources.values()), seed_s)
        minimum = minimum_calls(seeded)

        with TimedProxy(upstream=box.endpoint) as proxy:
            empty = Path(work) / "none"
            empty.write_text("")
            env = child_environment(proxy, box, empty)
            scope = [a for r in regions for a in ("-r", r)] + [
                a for s in services for a in ("-s", s)
            ]
            out = Path(work) / "reports"
            scan = [sys.executable, "-m", "scanner", "scan", *scope, "--out", str(out), "--quiet"]
            if args.profile:
                runs = {"scanner": profiled(scan, env, proxy, rules, Path(work), args.profile)}
            else:
                runs = {"scanner": run_child("scanner", scan, env, proxy, rules, Path(work))}
            scanner_found, found = scanner_facts(out)
            facts = {"scanner": scanner_found}
            if not args.no_baseline:
                facts_file = Path(work) / "baseline.json"
                baseline = [
                    sys.executable,
                    str(HERE / "baseline.py"),
                    *scope,
                    "--out",
                    str(facts_file),
                ]
                runs["baseline"] = run_child("baseline", baseline, env, proxy, rules, Path(work))
                facts["baseline"] = Counter(json.loads(facts_file.read_text()))

    for run in runs.values():
        run["against_minimum"] = compare(minimum, run["per_operation"])

    result = {
        "machine": machine(),
        "latency_ms": args.latency_ms,
        "seed_s": seed_s,
        "seeded": seeded.to_json(),
        "runs": runs,
        "facts": {name: dict(sorted(f.items())) for name, f in facts.items()},
    }
    result["found_per_service"] = found_per_service(found, seeded)
    if "baseline" in runs:
        result["speedup"] = round(runs["baseline"]["wall_s"] / runs["scanner"]["wall_s"], 1)
        keys_listed = facts["baseline"].pop("kms/keys_listed", 0)
        result["facts_agree"] = facts["scanner"] == facts["baseline"]
        result["keys_listed"] = keys_listed

    return result


if __name__ == "__main__":
    sys.exit(main())
