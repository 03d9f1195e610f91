#!/usr/bin/env python3
"""Times two builds of `tfevents` on the same job, alternating runs, and
reports the medians and their ratio: the way the before/after figures in
the README and the commit messages were measured on a shared, noisy machine.

    Benchmarks/compare/side-by-side.py --before OLD/tfevents --after NEW/tfevents \\
        --runs 9 -- best /tmp/corpus/eval --no-index --format json

Each run's standard output is compared between the two builds (byte for
byte, unless --ignore-output); standard output goes nowhere else, so
writing it costs no more than /dev/null would. --fresh-cache empties
XDG_CACHE_HOME before every run (the first look at a directory);
--drop-caches drops the page cache before every run (root, Linux: a cold
cache).
"""
import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the old binary")
    parser.add_argument("--after", required=True, help="the new binary")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--fresh-cache", action="store_true", help="an empty XDG_CACHE_HOME before every run")
    parser.add_argument("--drop-caches", action="store_true", help="drop the page cache before every run (root)")
    parser.add_argument("--ignore-output", action="store_true", help="do not compare standard output")
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help="-- then the tfevents arguments")
    args = parser.parse_args()
    arguments = args.arguments[1:] if args.arguments[:1] == ["--"] else args.arguments
    if not arguments:
        parser.error("no tfevents arguments given (put them after --)")

    cache = tempfile.mkdtemp(prefix="side-by-side-cache-")
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    times = {"before": [], "after": []}
    digests = {"before": set(), "after": set()}
    try:
        for _ in range(args.runs):
            for name in ("before", "after"):
                if args.fresh_cache:
                    shutil.rmtree(cache, ignore_errors=True)
                    os.makedirs(cache)
                if args.drop_caches:
                    subprocess.run(["sync"], check=True)
                    with open("/proc/sys/vm/drop_caches", "w") as handle:
                        handle.write("1\n")
                digest = hashlib.sha256()
                start = time.perf_counter()
                process = subprocess.Popen([getattr(args, name)] + arguments, stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL, env=env)
                for block in iter(lambda: process.stdout.read(1 << 20), b""):
                    digest.update(block)
                status = process.wait()
                times[name].append(time.perf_counter() - start)
                digests[name].add((status, digest.hexdigest()))
    finally:
        shutil.rmtree(cache, ignore_errors=True)

    for name in ("before", "after"):
        runs = times[name]
        print("%-6s median %.3f s  (min %.3f, max %.3f, %d runs)" % (name, statistics.median(runs), min(runs),
                                                                     max(runs), len(runs)))
    ratio = statistics.median(times["before"]) / statistics.median(times["after"])
    print("after is %.2fx the speed of before" % ratio)
    if not args.ignore_output:
        same = digests["before"] == digests["after"] and len(digests["before"]) == 1
        print("output and exit status identical: %s" % ("yes" if same else "NO"))
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
