#!/usr/bin/env python3
"""Writes the seed corpora Fuzz/Seeds/<target>/ from Fixtures/.

Seeds are small (at most 4 KiB, libFuzzer's default -max_len) and prefixed
with the selector byte each target reads first (see
Sources/TFEvents/Fuzzing/). Run from the repository root after building the
CLI (`swift build`); needs the `zstd` and `gzip` commands. The output is
committed: re-run only when the fixtures or the targets' input layout change.
"""
import glob, gzip, hashlib, os, shutil, struct, subprocess, sys, tempfile, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "Fuzz", "Seeds")
TFEVENTS = os.path.join(ROOT, ".build", "debug", "tfevents")
MAX = 4096


def put(target, data):
    data = data[:MAX]
    directory = os.path.join(SEEDS, target)
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def records(data):
    """Payloads of the TFRecord framing (no CRC checks: seeds only)."""
    p = 0
    while p + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, p)
        if p + 16 + length > len(data):
            return
        yield data[p + 12 : p + 12 + length]
        p += 16 + length


def fields(message):
    """(field number, wire type, bytes) of length-delimited fields; stops at malformed input."""
    p = 0
    while p < len(message):
        key, p = varint(message, p)
        if key is None:
            return
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, p = varint(message, p)
        elif wire == 1:
            p += 8
        elif wire == 5:
            p += 4
        elif wire == 2:
            length, p = varint(message, p)
            if length is None or p + length > len(message):
                return
            yield number, message[p : p + length]
            p += length
        else:
            return
        if p is None:
            return


def varint(data, p):
    value, shift = 0, 0
    while p < len(data) and shift < 70:
        b = data[p]
        p += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, p
        shift += 7
    return None, None


def event_files():
    for path in sorted(glob.glob(os.path.join(ROOT, "Fixtures", "**", "*tfevents*"), recursive=True)):
        if os.path.isfile(path):
            yield path


def main():
    if os.path.isdir(SEEDS):
        shutil.rmtree(SEEDS)
    payloads, values, tensors = {}, {}, {}
    for path in event_files():
        data = open(path, "rb").read()
        if path.endswith((".gz", ".zst", "-tfrecord")):
            continue
        for selector in (0x00, 0x06, 0x18):  # default, payload CRC off + stop, stop + small limit
            put("record_framing", bytes([selector]) + data)
        # A file cut inside its second record, and one made of its tail.
        put("record_framing", b"\x00" + data[:200])
        put("record_framing", b"\x00" + data[-MAX:])
        for payload in records(data):
            payloads.setdefault(len(payload) // 16, payload)
            for number, summary in fields(payload):
                if number != 5:
                    continue
                for value_number, value in fields(summary):
                    if value_number == 1:
                        values.setdefault(hashlib.sha1(value[:8]).digest()[:2], value)
                        for member_number, member in fields(value):
                            if member_number == 8:
                                tensors.setdefault(member, member)
    for payload in list(payloads.values())[:200]:
        put("event_walk", payload)
    for value in list(values.values())[:150]:
        put("scalar_extraction", b"\x00" + value)
    for tensor in list(tensors.values())[:100]:
        put("scalar_extraction", b"\x01" + tensor)

    # Compressed streams: the fixtures and small files of our own.
    small = open(os.path.join(ROOT, "Fixtures", "tf2", "basic", sorted(os.listdir(os.path.join(ROOT, "Fixtures", "tf2", "basic")))[0]), "rb").read()[:1500]
    for path in glob.glob(os.path.join(ROOT, "Fixtures", "compressed", "*")):
        data = open(path, "rb").read()
        if path.endswith((".gz", "gzip-tfrecord")) or "gzip_truncated" in path:
            put("gzip", data)
        elif path.endswith("zlib-tfrecord"):
            put("zlib", data)
        elif path.endswith(".zst"):
            put("zstd", data)
    put("gzip", open(os.path.join(ROOT, "Fixtures", "corrupt", "events.out.tfevents.gzip_truncated"), "rb").read())
    put("gzip", gzip.compress(small) + gzip.compress(small[:100]))
    put("gzip", gzip.compress(small)[:300])
    put("zlib", zlib.compress(small) + zlib.compress(small[:50]))
    put("zlib", zlib.compress(small, 1)[:200])
    zstd = subprocess.run(["zstd", "-q", "-c", "-19"], input=small, capture_output=True, check=True).stdout
    put("zstd", zstd)
    put("zstd", zstd[:200])
    put("zstd", b"\x50\x2a\x4d\x18\x04\x00\x00\x00meta" + zstd)  # a skippable frame first
    put("zstd", subprocess.run(["zstd", "-q", "-c", "--no-check"], input=small[:300], capture_output=True, check=True).stdout)

    # Index files of fixture directories, manifest/chunk payloads, and
    # the structured mode.
    with tempfile.TemporaryDirectory() as scratch:
        for run in ("tf2/basic", "tf1/restart", "compressed"):
            logdir = os.path.join(ROOT, "Fixtures", run)
            index = os.path.join(scratch, run.replace("/", "_") + ".tfindex")
            subprocess.run([TFEVENTS, "index", logdir, "--index", index, "--progress", "never"],
                           check=True, capture_output=True)
            data = open(index, "rb").read()
            put("index_file", b"\x00" + data)
            for offset in segment_offsets(data):
                compressed_length, uncompressed_length = struct.unpack_from("<QQ", data, offset + 8)
                kind = struct.unpack_from("<I", data, offset + 4)[0]
                block = data[offset + 32 : offset + 32 + compressed_length]
                payload = subprocess.run(["zstd", "-q", "-d", "-c"], input=block, capture_output=True,
                                         check=True).stdout
                put("index_file", bytes([0x01 if kind == 2 else 0x02]) + payload)
                if kind == 2:
                    put("index_file", bytes([0x03, 0x00]) + payload)

        # Checkpoint state files and export manifests.
        for path in glob.glob(os.path.join(ROOT, "Fixtures", "**", "checkpoint"), recursive=True):
            if os.path.isfile(path):  # not fuzz-regressions/checkpoint/
                put("checkpoint", b"\x00" + open(path, "rb").read())
        put("checkpoint", b'\x00model_checkpoint_path: "a"\n# comment\nall_model_checkpoint_paths: \'b\\x41\\101\' "c"\n'
                          b'all_model_checkpoint_timestamps: 1.5e9\nlast_preserved_timestamp: -inf\nfuture { x: 1 }\n')
        model = os.path.join(scratch, "model")
        shutil.copytree(os.path.join(ROOT, "Fixtures", "estimator", "loss_best"), model)
        shutil.rmtree(os.path.join(model, "export"))
        for extra in ([], ["--as-text"]):
            subprocess.run([TFEVENTS, "export", model, "--name", "seed" + ("_text" if extra else "")] + extra,
                           check=True, capture_output=True)
        for path in glob.glob(os.path.join(model, "export", "*", "*", "export_manifest.pb*")):
            put("checkpoint", (b"\x01" if path.endswith("pbtxt") else b"\x02") + open(path, "rb").read())
    print("seeds:", {t: len(os.listdir(os.path.join(SEEDS, t))) for t in sorted(os.listdir(SEEDS))})


def segment_offsets(data):
    offset = 16
    while offset + 32 <= len(data) and data[offset : offset + 4] == b"SEGM":
        yield offset
        (compressed_length,) = struct.unpack_from("<Q", data, offset + 8)
        offset += 32 + compressed_length


if __name__ == "__main__":
    sys.exit(main())
