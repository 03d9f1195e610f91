#!/usr/bin/env python3
"""Event files into a pandas DataFrame: `tfevents.scalars` against
tbparse and TensorBoard's EventAccumulator, on the same logs, in the same
run (issue: data out for the people who analyse it).

    python3 Benchmarks/compare/dataframe.py                       # 256 MiB and 1 GiB eval logs
    python3 Benchmarks/compare/dataframe.py --sizes 256M --runs 3

Each job is a whole Python process (interpreter start and imports
included), page cache warm, that ends holding one DataFrame of every scalar
point (run, tag, step, wall_time, value): wall seconds and the peak
resident memory of the process (ru_maxrss of the child). Medians of --runs
for tfevents; the peers, minutes long, run --peer-runs times (default 1).

- tfevents (direct): `tfevents.scalars(dir)` with TFEVENTS_NO_INDEX=1, the
  binary reading the files;
- tfevents (index): the same after `tfevents index dir`, the points from the
  index's chunks; and with `dtype_backend="pyarrow"` (columns left in the
  Arrow buffers);
- tbparse: `SummaryReader(dir, event_types={"scalars", "tensors"})`, both
  frames concatenated (half the files hold TF2 tensor scalars);
- EventAccumulator: per run, `Reload()` with no sampling, then its scalars
  and tensors into one DataFrame;
- and the binary alone, no Python: `tfevents scalars DIR --format arrow`
  to /dev/null through the index and from the files (points/s).

Needs a release `tfevents` (built here) and a virtual environment with
pandas, pyarrow, tbparse and tensorboard (--python; made in --work when
missing). Writes results to Benchmarks/compare/results/dataframe.{json,md}.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

JOBS = {
    "tfevents (direct)": """
import tfevents
frame = tfevents.scalars(DIR)
print(len(frame))
""",
    "tfevents (index)": """
import tfevents
frame = tfevents.scalars(DIR)
print(len(frame))
""",
    "tfevents (index, pyarrow dtypes)": """
import tfevents
frame = tfevents.scalars(DIR, dtype_backend="pyarrow")
print(len(frame))
""",
    "tbparse": """
import pandas as pd
from tbparse import SummaryReader
reader = SummaryReader(DIR, pivot=False, extra_columns={"wall_time", "dir_name"}, event_types={"scalars", "tensors"})
tensors = reader.tensors
if len(tensors):
    tensors = tensors.assign(value=tensors["value"].astype(float))
frame = pd.concat([reader.scalars, tensors], ignore_index=True)
print(len(frame))
""",
    "EventAccumulator": """
import os
import pandas as pd
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util
runs = sorted({os.path.dirname(os.path.join(d, n)) for d, _, names in os.walk(DIR) for n in names if ".tfevents." in n})
rows = {"run": [], "tag": [], "step": [], "wall_time": [], "value": []}
for run in runs:
    accumulator = event_accumulator.EventAccumulator(run, size_guidance={"scalars": 0, "tensors": 0})
    accumulator.Reload()
    name = os.path.relpath(run, DIR)
    tags = accumulator.Tags()
    for tag in tags["scalars"]:
        for point in accumulator.Scalars(tag):
            rows["run"].append(name); rows["tag"].append(tag); rows["step"].append(point.step)
            rows["wall_time"].append(point.wall_time); rows["value"].append(point.value)
    for tag in tags["tensors"]:
        for point in accumulator.Tensors(tag):
            rows["run"].append(name); rows["tag"].append(tag); rows["step"].append(point.step)
            rows["wall_time"].append(point.wall_time)
            rows["value"].append(float(tensor_util.make_ndarray(point.tensor_proto)))
frame = pd.DataFrame(rows)
print(len(frame))
""",
}


def log(message):
    print(message, file=sys.stderr, flush=True)


def run_job(python, code, directory, environment):
    """Wall seconds, peak RSS (MiB) and the rows printed, of one process."""
    script = f"DIR = {directory!r}\n" + code
    start = time.perf_counter()
    process = subprocess.Popen([python, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    out = process.stdout.read().decode().strip()
    err = process.stderr.read().decode()
    if status != 0:
        raise RuntimeError(f"exit {status}: {err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024, int(out.splitlines()[-1])


def size_in_bytes(size):
    """`256M` -> 268435456 (K, M, G suffixes; unknown forms sort first)."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if size[:-1].isdigit() and size[-1:] in units:
        return int(size[:-1]) * units[size[-1]]
    return int(size) if size.isdigit() else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="256M,1G")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-runs", type=int, default=1)
    parser.add_argument("--work", default="/tmp/tfevents-dataframe")
    parser.add_argument("--python", help="a python with pandas, pyarrow, tbparse, tensorboard")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--only-python", action="store_true", help="leave out the CLI rows")
    args = parser.parse_args()

    os.makedirs(args.work, exist_ok=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "tfevents"], cwd=ROOT, check=True)
    tfevents = os.path.join(ROOT, ".build", "release", "tfevents")
    python = args.python or os.path.join(args.work, "venv", "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", os.path.join(args.work, "venv")], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "pandas", "pyarrow", "tbparse", "tensorboard"], check=True)
    environment = dict(os.environ, TFEVENTS_BINARY=tfevents, PYTHONPATH=os.path.join(ROOT, "python"),
                       XDG_CACHE_HOME=os.path.join(args.work, "cache"))
    versions = subprocess.run([python, "-c", "import pandas, pyarrow, tbparse, tensorboard; from importlib.metadata import version; "
                               "print(pandas.__version__, pyarrow.__version__, version('tbparse'), tensorboard.__version__)"],
                              capture_output=True, text=True, env=environment).stdout.split()
    results = {"cpu_count": os.cpu_count(), "versions": dict(zip(["pandas", "pyarrow", "tbparse", "tensorboard"], versions)),
               "corpora": {}}
    for size in args.sizes.split(","):
        directory = os.path.join(args.work, f"eval-{size}")
        marker = os.path.join(directory, ".generated")
        if not os.path.exists(marker):
            subprocess.run([tfevents, "generate", directory, "--kind", "eval", "--size", size], check=True,
                           stdout=subprocess.DEVNULL)
            open(marker, "w").close()
        subprocess.run(["cat"] + [os.path.join(directory, n) for n in os.listdir(directory) if ".tfevents." in n],
                       stdout=subprocess.DEVNULL, check=True)  # warm the page cache
        subprocess.run([tfevents, "index", directory], env=environment, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        rows = {}
        # The binary alone: every point as an Arrow stream to /dev/null,
        # through the index's chunks and from the files.
        for name, extra in (("tfevents CLI arrow (index)", []), ("tfevents CLI arrow (direct)", ["--no-index"])):
            if args.only_python:
                break
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                with open(os.devnull, "wb") as sink:
                    subprocess.run([tfevents, "scalars", directory, "--format", "arrow"] + extra, stdout=sink, check=True,
                                   env=environment)
                times.append(time.perf_counter() - start)
            count = subprocess.run([python, "-c", "import pyarrow.ipc, sys; print(pyarrow.ipc.open_stream(sys.stdin.buffer).read_all().num_rows)"],
                                   input=subprocess.run([tfevents, "scalars", directory, "--format", "arrow"], capture_output=True,
                                                        env=environment, check=True).stdout, capture_output=True).stdout
            rows[name] = {"seconds": statistics.median(times), "peak_mib": 0, "points": int(count), "runs": len(times)}
            log(f"{size}: {name}: {rows[name]}")
        for name, code in JOBS.items():
            if args.skip_peers and not name.startswith("tfevents"):
                continue
            env = dict(environment)
            if name == "tfevents (direct)":
                env["TFEVENTS_NO_INDEX"] = "1"
            measured = []
            for _ in range(args.runs if name.startswith("tfevents") else args.peer_runs):
                log(f"{size}: {name} ...")
                try:
                    measured.append(run_job(python, code, directory, env))
                except RuntimeError as error:
                    log(f"{name} failed: {error}")
                    break
            if not measured:
                continue
            rows[name] = {"seconds": statistics.median(m[0] for m in measured),
                          "peak_mib": statistics.median(m[1] for m in measured),
                          "points": measured[0][2], "runs": len(measured)}
            log(f"{size}: {name}: {rows[name]}")
        results["corpora"][size] = rows

    # --skip-peers keeps the peers' rows of an earlier run (minutes each),
    # and every run keeps the sizes it did not measure: a run of one size
    # adds to the results instead of replacing them.
    earlier_path = os.path.join(HERE, "results", "dataframe.json")
    if os.path.exists(earlier_path):
        with open(earlier_path) as handle:
            earlier = json.load(handle)
        for size, rows in results["corpora"].items():
            for name, row in earlier.get("corpora", {}).get(size, {}).items():
                if args.skip_peers and not name.startswith("tfevents"):
                    rows[name] = dict(row, earlier_run=True)
        for size, rows in earlier.get("corpora", {}).items():
            results["corpora"].setdefault(size, rows)
        order = sorted(results["corpora"], key=size_in_bytes)
        results["corpora"] = {size: results["corpora"][size] for size in order}

    lines = ["| log | job | points | seconds | points/s | peak memory | × tfevents (direct) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for size, rows in results["corpora"].items():
        base = rows.get("tfevents (direct)", {}).get("seconds")
        for name, row in rows.items():
            ratio = f"{row['seconds'] / base:.1f}×" if base else "-"
            memory = f"{row['peak_mib']:.0f} MiB" if row["peak_mib"] else "-"
            lines.append(f"| {size} | {name} | {row['points']:,} | {row['seconds']:.2f} | {row['points'] / row['seconds'] / 1e6:.1f} M "
                         f"| {memory} | {ratio} |")
    table = "\n".join(lines)
    print(table)
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "dataframe.json"), "w") as handle:
        json.dump(results, handle, indent=1)
    with open(os.path.join(HERE, "results", "dataframe.md"), "w") as handle:
        handle.write(table + "\n")


if __name__ == "__main__":
    main()
