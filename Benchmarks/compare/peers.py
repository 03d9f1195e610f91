"""The peers' jobs, one per tool: read every event of a directory and find
the step with the smallest `loss`. Run as `python peers.py TOOL DIR`; prints
one JSON line {"best_step": N, "events": N}.

Each peer does what a user of that tool would do:
- tensorflow:  tf.compat.v1.train.summary_iterator over every event file
               (what tf.estimator.BestExporter uses);
- tensorboard: TensorBoard's EventFileLoader (its Python reading path),
               values converted the way TensorBoard converts them;
- tbparse:     SummaryReader(dir, event_types={scalars, tensors}), then the
               row of .scalars or .tensors with the smallest loss;
- zlib:        Python's zlib inflating every file, nothing else (the bare
               decompressor, for the gzip corpus).
Files are read in sorted path order; ties keep the first (strictly smaller wins).
"""
import json
import os
import sys


def event_files(directory):
    found = []
    for root, _, names in os.walk(directory):
        for name in names:
            if "tfevents" in name:
                found.append(os.path.join(root, name))
    return sorted(found)


def scalar_of(value, make_ndarray):
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        return value.simple_value
    if kind == "tensor":
        array = make_ndarray(value.tensor)
        if array.size == 1 and array.dtype.kind in "fiub":
            return float(array.reshape(()))
    return None


def run_tensorflow(directory):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    best, events = None, 0
    for path in event_files(directory):
        for event in tf.compat.v1.train.summary_iterator(path):
            events += 1
            for value in event.summary.value:
                if value.tag == "loss":
                    number = scalar_of(value, tf.make_ndarray)
                    if number is not None and (best is None or number < best[1]):
                        best = (event.step, number)
    return best, events


def run_tensorboard(directory):
    from tensorboard.backend.event_processing import event_file_loader
    from tensorboard.util import tensor_util
    best, events = None, 0
    for path in event_files(directory):
        loader = event_file_loader.EventFileLoader(path)
        for event in loader.Load():
            events += 1
            for value in event.summary.value:
                if value.tag == "loss":
                    number = scalar_of(value, tensor_util.make_ndarray)
                    if number is not None and (best is None or number < best[1]):
                        best = (event.step, number)
    return best, events


def run_tbparse(directory):
    # Only the two event types a loss can be written as: TF1 scalars and
    # TF2 tensors (asking for every type also decodes every image).
    from tbparse import SummaryReader
    reader = SummaryReader(directory, extra_columns={"dir_name"}, event_types={"scalars", "tensors"})
    best, rows = None, 0
    for frame in (reader.scalars, reader.tensors):
        rows += len(frame)
        if frame.empty:
            continue
        losses = frame[frame["tag"] == "loss"]
        if losses.empty:
            continue
        values = losses["value"].astype(float)  # tensors come as 0-d arrays
        row = values.idxmin()
        if best is None or values[row] < best[1]:
            best = (int(losses.loc[row, "step"]), float(values[row]))
    return best, rows


def run_zlib(directory):
    import zlib
    total = 0
    for path in event_files(directory):
        with open(path, "rb") as handle:
            inflater = zlib.decompressobj(47)  # gzip or zlib header, auto-detected
            while True:
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                total += len(inflater.decompress(chunk))
                while inflater.unused_data:  # next gzip member
                    rest = inflater.unused_data
                    inflater = zlib.decompressobj(47)
                    total += len(inflater.decompress(rest))
    return None, total


def version(tool):
    try:
        if tool == "tensorflow":
            import tensorflow as tf
            return tf.__version__
        if tool == "tensorboard":
            import tensorboard
            return tensorboard.__version__
        if tool == "tbparse":
            from importlib.metadata import version as dist_version
            return dist_version("tbparse")
        if tool == "zlib":
            import zlib
            return zlib.ZLIB_RUNTIME_VERSION
    except Exception as error:  # noqa: BLE001 - reported, not fatal
        return "unavailable: %s" % error
    return "?"


def main():
    tool, directory = sys.argv[1], sys.argv[2]
    if directory == "--version":
        print(version(tool))
        return
    runner = {"tensorflow": run_tensorflow, "tensorboard": run_tensorboard,
              "tbparse": run_tbparse, "zlib": run_zlib}[tool]
    best, events = runner(directory)
    print(json.dumps({"best_step": None if best is None else best[0],
                      "best_value": None if best is None else best[1], "events": events}))


if __name__ == "__main__":
    main()
