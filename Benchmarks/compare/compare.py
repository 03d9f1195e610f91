#!/usr/bin/env python3
"""Side-by-side comparison of swift-tfevents with TensorFlow, TensorBoard,
rustboard (tensorboard-data-server) and tbparse, on the same files, in the
same run.

    python3 Benchmarks/compare/compare.py            # full size (about 2.5 GiB of corpora)
    python3 Benchmarks/compare/compare.py --scale 0.1 --runs 3   # a quick run

What it does:
 1. builds `tfevents` (release) and generates deterministic corpora with its
    own writer (`tfevents generate`): an eval-like scalar log of 1 GiB in 8
    files (TF1 simple_value and TF2 tensor files alternating), a training log
    of 1 GiB with histograms and images, 2,000 small files in 200 runs, and a
    256 MiB eval log compressed as a TensorFlow GZIP TFRecord file;
 2. installs the peers from PyPI into a virtual environment when missing
    (tensorflow-cpu, tensorboard, tensorboard-data-server, tbparse), and skips
    with a message any peer that cannot be installed;
 3. times each tool as a whole process, page cache warm (every file is read
    once before the first run), median of --runs runs, doing the same job:
    read every event and find the step with the smallest `loss`; and our
    own other jobs beside them: the first `best` with an empty index cache,
    `index --rebuild`, `scan` (verify every record), `scalars --format csv`
    to /dev/null (points/s), and, when run as root, `best` and `cat` of the
    same files with the page cache dropped before every run (the disk's
    limit, last so that the warm rows are not disturbed);
 4. prints and writes (JSON and Markdown, in --out) one table per corpus:
    tool, version, wall seconds, MB/s, events/s, peak resident memory, and
    the time ratio to `tfevents best` (how many times slower than us).
    A run of a subset (--corpora) merges into an earlier results.json of the
    same scale and CPU. A tool that exits with an error is reported and left
    out, never timed.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PEERS = os.path.join(HERE, "peers.py")
PIP_PACKAGES = ["tensorflow-cpu", "tensorboard", "tensorboard-data-server", "tbparse"]


def log(message):
    print(message, file=sys.stderr, flush=True)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def tree_bytes(directory):
    total = 0
    for root, _, names in os.walk(directory):
        for name in names:
            if "tfevents" in name:
                total += os.path.getsize(os.path.join(root, name))
    return total


def warm(directory):
    """Reads every event file once so that every run sees a warm page cache."""
    for root, _, names in os.walk(directory):
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                while handle.read(1 << 24):
                    pass


def run_process(command, env=None, ok_codes=(0,), discard_output=False):
    """Runs a command; returns (wall seconds, peak RSS bytes, stdout). An
    exit status outside ok_codes raises: a crashed peer is not timed. With
    discard_output its standard output goes to /dev/null (for gigabytes of
    CSV, which would otherwise be timed through this script's pipe)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL if discard_output else subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    stdout_data = b"" if discard_output else process.stdout.read()
    stderr_data = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok_codes:
        raise RuntimeError("%s exited with %d: %s" % (" ".join(command), code, stderr_data.decode()[-500:]))
    return wall, usage.ru_maxrss * 1024, stdout_data.decode()


def drop_page_cache():
    """Empties the page cache (root only), so that the next run reads from disk."""
    subprocess.run(["sync"], check=True)
    with open("/proc/sys/vm/drop_caches", "w") as handle:
        handle.write("1\n")


def run_rustboard(server, directory, checksum):
    """Starts rustboard on loopback, times it until it reports its first
    load cycle finished, reads its peak RSS, and stops it by process id."""
    command = [server, "--logdir", directory, "--host", "127.0.0.1", "--port", "0", "--reload", "once", "-v"]
    if checksum:
        command.append("--checksum")
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = None
    for line in process.stderr:
        if "Finished load cycle" in line:
            wall = time.perf_counter() - start
            break
    peak = 0
    try:
        with open("/proc/%d/status" % process.pid) as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) * 1024
    except OSError:
        pass
    process.kill()
    process.wait()
    if wall is None:
        raise RuntimeError("rustboard never reported a finished load cycle")
    return wall, peak, ""


class Tool:
    def __init__(self, name, version, job, command=None, rustboard=None, env=None, parse=True, ok_codes=(0,),
                 prepare=None, discard_output=False):
        self.name, self.version, self.job = name, version, job
        self.command, self.rustboard, self.env, self.parse = command, rustboard, env, parse
        self.ok_codes, self.prepare, self.discard_output = ok_codes, prepare, discard_output

    def run(self, directory):
        if self.prepare:
            self.prepare()  # untimed: e.g. an empty cache before every run
        if self.rustboard:
            return run_rustboard(self.rustboard[0], directory, self.rustboard[1])
        return run_process([part.replace("{dir}", directory) for part in self.command], env=self.env,
                           ok_codes=self.ok_codes, discard_output=self.discard_output)


def ensure_venv(venv, install):
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        if not install:
            return None
        log("creating %s" % venv)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    if install:
        for package in PIP_PACKAGES:
            check = subprocess.run([python, "-m", "pip", "show", "-q", package], capture_output=True)
            if check.returncode != 0:
                log("installing %s from PyPI" % package)
                result = subprocess.run([python, "-m", "pip", "install", "-q", package], capture_output=True, text=True)
                if result.returncode != 0:
                    log("skipping %s: pip failed: %s" % (package, result.stderr.strip()[-300:]))
    return python


def peer_tools(python, corpus):
    tools = []
    if python is None:
        log("no Python peers: virtual environment unavailable")
        return tools
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    for name in ["tensorflow", "tensorboard", "tbparse"]:
        if corpus == "gzip":
            break
        version = subprocess.run([python, PEERS, name, "--version"], capture_output=True, text=True, env=env).stdout.strip()
        if not version or version.startswith("unavailable"):
            log("skipping %s: %s" % (name, version or "not installed"))
            continue
        job = {"tensorflow": "tf.compat.v1.train.summary_iterator",
               "tensorboard": "EventFileLoader", "tbparse": "SummaryReader(dir).scalars"}[name]
        tools.append(Tool(name, version, job, command=[python, PEERS, name, "{dir}"], env=env))
    if corpus == "gzip":
        version = subprocess.run([python, PEERS, "zlib", "--version"], capture_output=True, text=True).stdout.strip()
        tools.append(Tool("zlib (inflate only)", version, "zlib.decompressobj, nothing else",
                          command=[python, PEERS, "zlib", "{dir}"], parse=False))
    server = os.path.join(os.path.dirname(python), "..", "lib", "python%d.%d" % sys.version_info[:2],
                          "site-packages", "tensorboard_data_server", "bin", "server")
    server = os.path.abspath(server)
    if corpus != "gzip" and os.path.exists(server):
        version = subprocess.run([server, "--version"], capture_output=True, text=True).stdout.strip()
        tools.append(Tool("rustboard", version, "server --reload once, until the load finished",
                          rustboard=(server, False), parse=False))
        tools.append(Tool("rustboard --checksum", version, "same, verifying every record",
                          rustboard=(server, True), parse=False))
    elif corpus != "gzip":
        log("skipping rustboard: tensorboard-data-server not installed")
    return tools


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="corpus size factor (0.1 for a quick run)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per tool (median reported), at least 3")
    parser.add_argument("--work", default="/tmp/tfevents-compare", help="where corpora are generated")
    parser.add_argument("--venv", default="/tmp/tfevents-peers", help="virtual environment of the peers")
    parser.add_argument("--no-install", action="store_true", help="do not pip install missing peers")
    parser.add_argument("--out", default=os.path.join(HERE, "results"), help="where results.json/.md go")
    parser.add_argument("--corpora", default="eval,training,small,gzip", help="comma-separated subset")
    parser.add_argument("--tfevents", help="a tfevents binary (default: build one)")
    parser.add_argument("--slow-seconds", type=float, default=0,
                        help="a tool whose first run takes longer than this is not repeated (its row says 1 run); "
                             "0 (default) repeats every tool --runs times")
    parser.add_argument("--skip-peers", action="store_true",
                        help="time only tfevents (and cat); keep the peers' rows of the earlier results, marked "
                             "as such (they take minutes to hours)")
    args = parser.parse_args()
    args.runs = max(3, args.runs)
    previous_path = os.path.join(args.out, "results.json")
    earlier = {}
    if os.path.exists(previous_path):
        with open(previous_path) as handle:
            earlier = json.load(handle)

    tfevents = args.tfevents
    if not tfevents:
        log("building tfevents (release)")
        subprocess.run(["swift", "build", "-c", "release", "--product", "tfevents"], cwd=ROOT, check=True)
        tfevents = os.path.join(ROOT, ".build", "release", "tfevents")
    tfevents_version = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                                      capture_output=True, text=True).stdout.strip() or "local"

    python = ensure_venv(args.venv, not args.no_install)
    gib = 1 << 30
    plans = {
        "eval": ("eval", int(gib * args.scale), ["--files", "8"]),
        "training": ("training", int(gib * args.scale), []),
        "small": ("small", int((128 << 20) * args.scale), ["--files", "2000", "--runs", "200"]),
        "gzip": ("eval", int((256 << 20) * args.scale), ["--files", "1"]),
    }
    results = {"cpu": cpu_name(), "cores": os.cpu_count(), "scale": args.scale, "runs": args.runs, "corpora": {}}
    for corpus in [name.strip() for name in args.corpora.split(",") if name.strip()]:
        kind, size, extra = plans[corpus]
        directory = os.path.join(args.work, corpus)
        marker = os.path.join(directory, ".generated-%d" % size)
        if not os.path.exists(marker):
            shutil.rmtree(directory, ignore_errors=True)
            log("generating %s corpus (%d bytes)" % (corpus, size))
            summary = json.loads(subprocess.run([tfevents, "generate", directory, "--kind", kind, "--size", str(size)] + extra,
                                                check=True, capture_output=True, text=True).stdout)
            if corpus == "gzip":
                for root, _, names in os.walk(directory):
                    for name in names:
                        if "tfevents" in name:
                            path = os.path.join(root, name)
                            subprocess.run([tfevents, "convert", path, path + ".gz", "--compression", "gzip"], check=True)
                            os.remove(path)
            with open(marker, "w") as handle:
                json.dump(summary, handle)
        with open(marker) as handle:
            summary = json.load(handle)
        size_bytes = tree_bytes(directory) if corpus != "gzip" else size
        events = summary["events"]
        index_path = os.path.join(args.work, corpus + ".tfindex")
        pattern = {"eval": "eval/*", "training": "train/*", "small": "*/*", "gzip": "eval/*"}[corpus]
        best_index = os.path.join(args.work, corpus + "-best.tfindex")
        if os.path.exists(best_index):
            os.remove(best_index)
        first_look_cache = os.path.join(args.work, corpus + "-first-look-cache")
        tools = [
            Tool("tfevents best (first look)", tfevents_version,
                 "tfevents best DIR, the default path, with an empty index cache before every run",
                 command=[tfevents, "best", "{dir}", "--pattern", pattern, "--format", "json"],
                 env=dict(os.environ, XDG_CACHE_HOME=first_look_cache),
                 prepare=lambda path=first_look_cache: shutil.rmtree(path, ignore_errors=True)),
            Tool("tfevents best", tfevents_version, "tfevents best DIR --no-index (reads every file)",
                 command=[tfevents, "best", "{dir}", "--pattern", pattern, "--no-index", "--format", "json"]),
            Tool("tfevents best (indexed)", tfevents_version,
                 "tfevents best DIR through its index (1st run builds it; median = index up to date)",
                 command=[tfevents, "best", "{dir}", "--pattern", pattern, "--index", best_index, "--format", "json"]),
            Tool("tfevents index", tfevents_version, "tfevents index DIR --rebuild (full parallel index)",
                 command=[tfevents, "index", "{dir}", "--index", index_path, "--rebuild", "--progress", "never"],
                 parse=False),
            Tool("tfevents index (no change)", tfevents_version, "tfevents index DIR again (nothing appended)",
                 command=[tfevents, "index", "{dir}", "--index", index_path, "--progress", "never"], parse=False),
            Tool("tfevents scan", tfevents_version, "tfevents scan DIR (verifies every record, counts every value)",
                 command=[tfevents, "scan", "{dir}", "--format", "json"], parse=False),
            Tool("tfevents scalars (csv)", tfevents_version,
                 "tfevents scalars DIR --format csv --no-index > /dev/null (every point as text)",
                 command=[tfevents, "scalars", "{dir}", "--format", "csv", "--no-index"], parse=False,
                 discard_output=True),
        ] + ([] if args.skip_peers else peer_tools(python, corpus))
        if os.access("/proc/sys/vm/drop_caches", os.W_OK) and corpus != "small":
            # Last, so that the warm rows above are not disturbed: reading
            # from disk, with `cat` of the same files as the limit.
            tools += [
                Tool("cat (cold page cache)", "coreutils", "cat of every event file > /dev/null, page cache dropped",
                     command=["sh", "-c", "find \"$0\" -name '*tfevents*' -type f -exec cat {} + > /dev/null", "{dir}"],
                     parse=False, prepare=drop_page_cache),
                Tool("tfevents best (cold page cache)", tfevents_version,
                     "tfevents best DIR --no-index, page cache dropped before every run",
                     command=[tfevents, "best", "{dir}", "--pattern", pattern, "--no-index", "--format", "json"],
                     prepare=drop_page_cache),
            ]
        log("%s: %s, %d events; warming the page cache" % (corpus, directory, events))
        warm(directory)
        rows = []
        for tool in tools:
            walls, peaks, answer = [], [], None
            try:
                for attempt in range(args.runs):
                    wall, peak, output = tool.run(directory)
                    walls.append(wall)
                    peaks.append(peak)
                    if tool.parse and output.strip():
                        answer = json.loads(output.strip().splitlines()[-1]).get("best_step",
                                  json.loads(output.strip().splitlines()[-1]).get("global_step"))
                    if args.slow_seconds and attempt == 0 and wall > args.slow_seconds:
                        log("  %s took %.0f s (> --slow-seconds): not repeated" % (tool.name, wall))
                        break
            except Exception as error:  # noqa: BLE001 - a failing peer is reported, not fatal
                log("skipping %s on %s: %s" % (tool.name, corpus, error))
                continue
            median = statistics.median(walls)
            rows.append({"tool": tool.name, "version": tool.version, "job": tool.job, "wall_seconds": median,
                         "all_runs": walls, "runs": len(walls), "mb_per_s": size_bytes / median / 1e6, "events_per_s": events / median,
                         "points_per_s": summary.get("scalar_points", 0) / median,
                         "peak_rss_bytes": max(peaks), "best_step": answer})
            log("  %-28s %8.3f s  (%s)" % (tool.name, median, ", ".join("%.3f" % w for w in walls)))
        if args.skip_peers and earlier.get("scale") == args.scale:
            # The peers' rows of the earlier run of this corpus, kept as
            # they were measured (not side by side with the rows above).
            measured = {row["tool"] for row in rows}
            for row in earlier.get("corpora", {}).get(corpus, {}).get("rows", []):
                if row["tool"] not in measured and not row["tool"].startswith("tfevents"):
                    rows.append(dict(row, earlier_run=True))
        reference = next((row["wall_seconds"] for row in rows if row["tool"] == "tfevents best"), None)
        for row in rows:
            row["ratio_to_tfevents"] = row["wall_seconds"] / reference if reference else None
        results["corpora"][corpus] = {"directory": directory, "bytes": size_bytes, "events": events,
                                      "expected_best_step": (summary.get("best_loss") or {}).get("step"),
                                      "rows": rows}

    os.makedirs(args.out, exist_ok=True)
    if os.path.exists(previous_path):
        # A run of a subset (--corpora) keeps the other corpora of an earlier
        # run at the same scale on the same CPU, in the same order.
        with open(previous_path) as handle:
            previous = json.load(handle)
        if previous.get("scale") == results["scale"] and previous.get("cpu") == results["cpu"]:
            merged = {name: results["corpora"].get(name, data) for name, data in previous["corpora"].items()}
            merged.update({name: data for name, data in results["corpora"].items() if name not in merged})
            results["corpora"] = merged
    with open(previous_path, "w") as handle:
        json.dump(results, handle, indent=1)
    markdown = render_markdown(results)
    with open(os.path.join(args.out, "results.md"), "w") as handle:
        handle.write(markdown)
    print(markdown)


def render_markdown(results):
    lines = ["CPU: %s (%d cores); median of %d runs (column \"runs\" when fewer), page cache warm; scale %.2f." %
             (results["cpu"], results["cores"], results["runs"], results["scale"]), ""]
    for corpus, data in results["corpora"].items():
        lines.append("### %s: %.0f MB, %d events (expected best step %s)" %
                     (corpus, data["bytes"] / 1e6, data["events"], data["expected_best_step"]))
        lines.append("")
        lines.append("| tool | version | runs | wall s | MB/s | events/s | points/s | peak RSS MiB | × tfevents best | best step |")
        lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for row in data["rows"]:
            ratio = row["ratio_to_tfevents"]
            lines.append("| %s | %s | %d | %.3f | %.0f | %.3g | %s | %.0f | %s | %s |" % (
                row["tool"] + (" (earlier run)" if row.get("earlier_run") else ""), row["version"],
                row.get("runs", len(row["all_runs"])), row["wall_seconds"], row["mb_per_s"], row["events_per_s"],
                "%.3g" % row["points_per_s"] if row.get("points_per_s") else "-",
                row["peak_rss_bytes"] / (1 << 20), "%.1f" % ratio if ratio else "-",
                row["best_step"] if row["best_step"] is not None else "-"))
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
