#!/usr/bin/env python3
"""Builds the `tfevents` wheel: the Python package plus the `tfevents`
binary, as TensorBoard's data-server wheel carries its Rust binary.

    python3 python/build_wheel.py                      # swift build -c release --static-swift-stdlib, then the wheel
    python3 python/build_wheel.py --binary PATH        # package an existing binary (the tests use the debug build)

The wheel is `tfevents-<version>-py3-none-linux_<arch>.whl` in `--out`
(default `python/dist`). Built with the static Swift standard library, the
binary needs no Swift on the user's machine, only the C library, zlib and
zstd (`ldd` lists what it needs; this script prints it). The wheel format
is written directly (a zip with METADATA, WHEEL and RECORD): no build
backend is involved.
"""
import argparse
import base64
import hashlib
import os
import platform
import stat
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NAME = "tfevents"


def version() -> str:
    with open(os.path.join(HERE, "tfevents", "__init__.py"), encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("__version__"):
                return line.split("=", 1)[1].strip().strip('"')
    raise SystemExit("no __version__ in tfevents/__init__.py")


def build_binary() -> str:
    command = ["swift", "build", "-c", "release", "--product", "tfevents", "--static-swift-stdlib",
               "--scratch-path", os.path.join(ROOT, ".build-wheel")]
    if os.environ.get("TFEVENTS_BUILD_JOBS"):  # fewer parallel jobs, on a shared machine
        command += ["-j", os.environ["TFEVENTS_BUILD_JOBS"]]
    print("+", " ".join(command), file=sys.stderr)
    subprocess.run(command, cwd=ROOT, check=True)
    path = subprocess.run(command + ["--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    return os.path.join(path, "tfevents")


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", help="an existing tfevents binary (default: build one, release, static stdlib)")
    parser.add_argument("--out", default=os.path.join(HERE, "dist"))
    args = parser.parse_args()

    binary = args.binary or build_binary()
    if not os.path.isfile(binary):
        raise SystemExit(f"{binary}: no such binary")
    try:
        print(subprocess.run(["ldd", binary], capture_output=True, text=True).stdout, file=sys.stderr)
    except OSError:
        pass

    v = version()
    tag = f"py3-none-linux_{platform.machine()}"
    os.makedirs(args.out, exist_ok=True)
    wheel_path = os.path.join(args.out, f"{NAME}-{v}-{tag}.whl")
    dist_info = f"{NAME}-{v}.dist-info"
    files = []
    package = os.path.join(HERE, "tfevents")
    for entry in sorted(os.listdir(package)):
        full = os.path.join(package, entry)
        if os.path.isfile(full) and (entry.endswith(".py") or entry == "py.typed"):
            with open(full, "rb") as handle:
                files.append((f"tfevents/{entry}", handle.read(), 0o644))
    with open(binary, "rb") as handle:
        files.append(("tfevents/bin/tfevents", handle.read(), 0o755))
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    metadata = (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {v}\n"
                "Summary: Read TensorBoard event files at memory speed: scalars as pandas, polars or Arrow tables, "
                "the best checkpoint of a run\nRequires-Python: >=3.9\nRequires-Dist: pyarrow>=14\n"
                "Provides-Extra: pandas\nRequires-Dist: pandas>=1.5; extra == \"pandas\"\n"
                "Provides-Extra: polars\nRequires-Dist: polars>=0.20; extra == \"polars\"\n"
                "Description-Content-Type: text/markdown\n\n" + readme)
    wheel = f"Wheel-Version: 1.0\nGenerator: tfevents-build_wheel\nRoot-Is-Purelib: false\nTag: {tag}\n"
    files.append((f"{dist_info}/METADATA", metadata.encode(), 0o644))
    files.append((f"{dist_info}/WHEEL", wheel.encode(), 0o644))
    record = [record_line(name, data) for name, data, _ in files] + [f"{dist_info}/RECORD,,"]
    files.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode(), 0o644))
    with zipfile.ZipFile(wheel_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    print(wheel_path)


if __name__ == "__main__":
    main()
