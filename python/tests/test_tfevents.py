"""The Python API against TensorBoard's own loader and tbparse, on every
fixture made by the real writers; plus empty results, NaN and infinities,
non-ASCII names, millions of rows, errors, `best` against the CLI.

Runs in a fresh virtual environment made from the built wheel
(python/tests/run.sh), so `tfevents` here is the installed package and
its binary.
"""
import json
import math
import os
import struct
import subprocess
import warnings

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import tfevents

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Fixtures")
# Event files TensorBoard's loader reads as they are (not the compressed
# copies, not the deliberately damaged files).
FIXTURE_DIRS = ["tf1", "tf2", "tensorboardx", "estimator", "frameworks"]


def fixture_event_files():
    files = []
    for name in FIXTURE_DIRS:
        for directory, _, names in os.walk(os.path.join(FIXTURES, name)):
            if "/export/" in directory + "/":
                continue
            files += [os.path.join(directory, n) for n in names if ".tfevents." in n]
    return sorted(files)


def bits(value):
    return struct.pack("<d", value)


def same(a, b):
    return bits(a) == bits(b) or (math.isnan(a) and math.isnan(b))


def tensorboard_points(path):
    """(tag, step, wall_time, value) of every scalar, in file order, as
    TensorBoard's EventFileLoader yields them; a tag is a scalar when it has
    `simple_value`s or its first summary metadata names the scalars plugin
    (TF2 tensors are converted with tensorboard's make_ndarray)."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    from tensorboard.util import tensor_util

    plugin_of = {}
    points = []
    for event in EventFileLoader(path).Load():
        if not event.HasField("summary"):
            continue
        for value in event.summary.value:
            if value.tag not in plugin_of and value.HasField("metadata"):
                plugin_of[value.tag] = value.metadata.plugin_data.plugin_name
            if value.HasField("simple_value"):
                points.append((value.tag, event.step, event.wall_time, float(value.simple_value)))
            elif value.HasField("tensor") and plugin_of.get(value.tag) == "scalars":
                array = tensor_util.make_ndarray(value.tensor)
                if array.shape == () and array.dtype.kind in "fiub":
                    points.append((value.tag, event.step, event.wall_time, float(array.item())))
    return points


@pytest.fixture(scope="module")
def all_fixtures():
    return tfevents.scalars_arrow([os.path.join(FIXTURES, d) for d in FIXTURE_DIRS], with_path=True)


@pytest.mark.parametrize("path", fixture_event_files(), ids=lambda p: os.path.relpath(p, FIXTURES))
def test_scalars_equal_tensorboard_loader(path, all_fixtures):
    expected = tensorboard_points(path)
    table = all_fixtures.filter(pc.equal(all_fixtures.column("path").cast(pa.string()), path))
    ours = list(zip(table.column("tag").cast(pa.string()).to_pylist(), table.column("step").to_pylist(),
                    table.column("wall_time").to_pylist(), table.column("value").to_pylist()))
    assert len(ours) == len(expected)
    for mine, theirs in zip(ours, expected):
        assert mine[0] == theirs[0] and mine[1] == theirs[1]
        assert same(mine[2], theirs[2]) and same(mine[3], theirs[3]), (mine, theirs)


@pytest.mark.parametrize("directory", FIXTURE_DIRS)
def test_scalars_equal_tbparse(directory):
    from tbparse import SummaryReader

    import pandas as pd

    root = os.path.join(FIXTURES, directory)
    reader = SummaryReader(root, pivot=False, extra_columns={"wall_time", "dir_name"})
    # tbparse puts TF1 simple_values in .scalars and TF2 scalar tensors in .tensors.
    tensors = reader.tensors
    if len(tensors):
        tensors = tensors[tensors["value"].map(lambda v: np.ndim(v) == 0 and np.asarray(v).dtype.kind in "fiub")]
        tensors = tensors.assign(value=tensors["value"].map(lambda v: float(np.asarray(v).item())))
    theirs = pd.concat([frame for frame in (reader.scalars, tensors) if len(frame)], ignore_index=True) \
        if len(reader.scalars) or len(tensors) else reader.scalars
    ours = tfevents.scalars(root)
    ours = ours[~ours["run"].astype(str).str.contains("/export")]
    if directory == "tf1":
        # tbparse reads through TensorBoard's EventAccumulator, which drops the
        # points a restarted writer orphaned (tf1/restart: steps after the
        # restart's first step); a raw reader keeps them. Compare the rest.
        ours = ours[ours["run"].astype(str) != "restart"]
        theirs = theirs[theirs["dir_name"] != "restart"]
    key = lambda frame: sorted(zip(frame["tag"].astype(str), frame["step"].astype(int), frame["value"].map(bits)))
    assert len(ours) == len(theirs)
    assert key(ours) == key(theirs)


def test_columns_types_and_runs():
    table = tfevents.scalars_arrow(os.path.join(FIXTURES, "tensorboardx"))
    assert table.column_names == ["run", "tag", "step", "wall_time", "value"]
    assert pa.types.is_dictionary(table.schema.field("run").type)
    assert pa.types.is_dictionary(table.schema.field("tag").type)
    assert table.schema.field("step").type == pa.int64()
    assert table.schema.field("value").type == pa.float64()
    runs = set(table.column("run").cast(pa.string()).to_pylist())
    assert "run1" in runs and any(r.startswith("run1/metrics/") for r in runs)
    only = tfevents.scalars_arrow(os.path.join(FIXTURES, "tensorboardx"), runs=["run1/metrics/*"])
    assert only.num_rows > 0 and set(only.column("run").cast(pa.string()).to_pylist()) < runs


def test_empty_result_has_the_columns():
    table = tfevents.scalars_arrow(os.path.join(FIXTURES, "tf1"), tags=["no-such-tag"])
    assert table.num_rows == 0
    assert table.column_names == ["run", "tag", "step", "wall_time", "value"]
    frame = tfevents.scalars(os.path.join(FIXTURES, "tf1"), tags=["no-such-tag"])
    assert len(frame) == 0 and list(frame.columns) == ["run", "tag", "step", "wall_time", "value"]


def test_nan_and_infinities_kept():
    values = tfevents.scalars_arrow(os.path.join(FIXTURES, "tf1", "edge"), tags=["loss"]).column("value").to_pylist()
    assert any(math.isnan(v) for v in values)
    assert float("-inf") in values


def test_non_ascii_run_and_tag(tmp_path):
    from tensorboardX import SummaryWriter

    run = tmp_path / "läuf λ"
    writer = SummaryWriter(str(run))
    for step in range(5):
        writer.add_scalar("métrique/ü", step * 0.5, step)
    writer.close()
    frame = tfevents.scalars(str(tmp_path))
    assert set(frame["run"].astype(str)) == {"läuf λ"}
    assert set(frame["tag"].astype(str)) == {"métrique/ü"}
    assert frame["value"].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]


def test_millions_of_rows_in_bounded_batches(tmp_path):
    directory = tmp_path / "big"
    subprocess.run([tfevents.binary(), "generate", str(directory), "--kind", "eval", "--size", "64M"],
                   check=True, capture_output=True)
    table = tfevents.scalars_arrow(str(directory))
    assert table.num_rows > 1_000_000
    # Batches of at most 65,536 rows: memory does not grow with the log.
    assert max(len(chunk) for chunk in table.column("value").chunks) <= 65536
    # The same points, value for value, as the CSV the tool prints.
    csv = subprocess.run([tfevents.binary(), "scalars", str(directory), "--format", "csv"], check=True,
                         capture_output=True).stdout.decode().splitlines()
    assert len(csv) - 1 == table.num_rows
    sample = range(1, len(csv), 9973)
    values = table.column("value")
    steps = table.column("step")
    for row in sample:
        fields = csv[row].rsplit(",", 3)
        assert int(fields[1]) == steps[row - 1].as_py()
        assert same(float(fields[3]), values[row - 1].as_py())


def in_memfd(address):
    """Whether ``address`` lies in a mapping of the tool's memfd."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            if "tfevents-arrow" in line:
                start, end = (int(bound, 16) for bound in line.split()[0].split("-"))
                if start <= address < end:
                    return True
    return False


def test_shared_memory_and_pipe_give_the_same_table(tmp_path, monkeypatch):
    """On Linux the stream goes through a memfd read in place; without
    ``os.memfd_create`` through a pipe. Both give the same table and the
    same errors."""
    if not hasattr(os, "memfd_create"):
        pytest.skip("no memfd here")
    directory = tmp_path / "log"
    subprocess.run([tfevents.binary(), "generate", str(directory), "--kind", "eval", "--size", "4M"],
                   check=True, capture_output=True)
    damaged = os.path.join(FIXTURES, "corrupt", "events.out.tfevents.payload_bitflip")
    shared = tfevents.scalars_arrow(str(directory))
    # In place: the value buffers lie inside the mapped memfd.
    assert all(in_memfd(chunk.buffers()[1].address) for chunk in shared.column("value").chunks)
    with pytest.raises(tfevents.TFEventsError) as shared_error:
        tfevents.scalars_arrow(damaged)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shared_partial = tfevents.scalars_arrow(damaged, errors="warn")
    monkeypatch.delattr(os, "memfd_create")
    piped = tfevents.scalars_arrow(str(directory))
    assert not any(in_memfd(chunk.buffers()[1].address) for chunk in piped.column("value").chunks)
    assert piped.num_rows == shared.num_rows > 100_000
    assert piped.equals(shared)
    with pytest.raises(tfevents.TFEventsError) as piped_error:
        tfevents.scalars_arrow(damaged)
    assert str(piped_error.value) == str(shared_error.value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tfevents.scalars_arrow(damaged, errors="warn").equals(shared_partial)


def test_nothing_written_is_an_error_not_an_empty_table(tmp_path):
    with pytest.raises(tfevents.TFEventsError) as raised:
        tfevents.scalars_arrow(str(tmp_path / "missing"))
    assert raised.value.exit_status != 0 and "missing" in raised.value.message


def test_polars_and_pivot():
    polars = pytest.importorskip("polars")
    frame = tfevents.scalars_polars(os.path.join(FIXTURES, "tf2", "basic"))
    assert isinstance(frame, polars.DataFrame) and frame.height > 0
    wide = tfevents.scalars(os.path.join(FIXTURES, "tf1", "graph_mode"), pivot=True)
    assert {"run", "step", "loss", "accuracy"} <= set(wide.columns)


@pytest.mark.parametrize("case", [
    ("estimator/loss_best", {}),
    ("estimator/accuracy_best", {"metric": "accuracy", "mode": "max"}),
    ("frameworks/huggingface/accuracy_tie", {"metric": "eval/accuracy", "mode": "max"}),
    ("frameworks/keras/weights_h5", {"checkpoint": "ckpt/epoch{epoch:02d}-{val_loss:.4f}.weights.h5"}),
])
def test_best_equals_the_cli(case):
    relative, options = case
    directory = os.path.join(FIXTURES, relative)
    result = tfevents.best(directory, **options)
    arguments = [tfevents.binary(), "best", directory, "--format", "json"]
    if "metric" in options:
        arguments += ["--metric", options["metric"]]
    if options.get("mode") == "max":
        arguments.append("--higher-is-better")
    if "checkpoint" in options:
        arguments += ["--checkpoint", options["checkpoint"]]
    import json
    assert result == json.loads(subprocess.run(arguments, capture_output=True, check=True).stdout)
    # accuracy_best's best step (75) has lost its checkpoint to TensorFlow's rotation.
    assert (result["checkpoint"] is None) == (relative == "estimator/accuracy_best")


def test_errors_carry_message_file_and_offset():
    damaged = os.path.join(FIXTURES, "corrupt", "events.out.tfevents.payload_bitflip")
    with pytest.raises(tfevents.TFEventsError) as raised:
        tfevents.scalars_arrow(damaged)
    assert raised.value.exit_status == 1
    assert raised.value.path == damaged
    assert raised.value.offset is not None and str(raised.value.offset) in raised.value.message
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = tfevents.scalars_arrow(damaged, errors="warn")
    assert table.num_rows > 0 and caught
    with pytest.raises(tfevents.TFEventsError) as missing:
        tfevents.best(os.path.join(FIXTURES, "no-such-model"))
    assert missing.value.exit_status == 2 and "no such model directory" in missing.value.message


def test_scan_and_tags():
    files = tfevents.scan(os.path.join(FIXTURES, "tf2"))
    assert files and all("records" in f or "path" in f for f in files)
    tags = tfevents.tags(os.path.join(FIXTURES, "tf1"))
    assert any(t["tag"] == "loss" for t in tags)


def test_tables_as_arrow_equal_their_json():
    """`scan` and `tags` print the same table as Arrow and as JSON."""
    import json

    for command in (["scan", os.path.join(FIXTURES, "tf2")], ["tags", os.path.join(FIXTURES, "tf1")]):
        run = lambda fmt: subprocess.run([tfevents.binary(), *command, "--format", fmt], capture_output=True, check=True).stdout
        table = pa.ipc.open_stream(run("arrow")).read_all()
        records = json.loads(run("json"))
        assert table.num_rows == len(records) > 0
        for row, record in zip(table.to_pylist(), records):
            for key, value in record.items():
                if isinstance(value, (list, dict)):
                    assert json.loads(row[key]) == value
                else:
                    assert row[key] == value, key


def test_pyarrow_dtype_backend_holds_the_same_points():
    import pandas as pd

    root = os.path.join(FIXTURES, "tf1")
    numpy_frame = tfevents.scalars(root)
    arrow_frame = tfevents.scalars(root, dtype_backend="pyarrow")
    assert isinstance(arrow_frame["value"].dtype, pd.ArrowDtype)
    assert list(arrow_frame.columns) == list(numpy_frame.columns)
    assert [bits(v) for v in arrow_frame["value"].tolist()] == [bits(v) for v in numpy_frame["value"].tolist()]
    assert arrow_frame["tag"].astype(str).tolist() == numpy_frame["tag"].astype(str).tolist()
    with pytest.raises(ValueError):
        tfevents.scalars(root, dtype_backend="arrow")


def plugin_sessions(writer):
    """Each session TensorBoard's hparams plugin reported for a fixture:
    name -> (hparams, status, {metric path: (value, step)})."""
    with open(os.path.join(FIXTURES, "hparams", writer, "expected.json")) as handle:
        expected = json.load(handle)
    sessions = {}
    for group in expected["session_groups"]["session_groups"]:
        for session in group["sessions"]:
            metrics = {}
            for metric in session["metric_values"]:
                name = metric["name"]
                path = (name["group"] + "/" if name.get("group") else "") + name["tag"]
                metrics[path] = (metric["value"], metric.get("training_step", 0))
            sessions[session["name"]] = (group["hparams"], session.get("status", "STATUS_UNKNOWN"), metrics)
    return sessions


@pytest.mark.parametrize("writer", ["tensorboardx", "torch", "tf"])
def test_runs_equal_the_hparams_plugin(writer):
    frame = tfevents.runs(os.path.join(FIXTURES, "hparams", writer))
    expected = plugin_sessions(writer)
    assert sorted(frame["run"]) == sorted(expected)
    for _, row in frame.iterrows():
        hparams, status, metrics = expected[row["run"]]
        assert "STATUS_" + row["status"].upper() == status
        for name, value in hparams.items():
            assert row[name] == value, (row["run"], name)
        for path, (value, step) in metrics.items():
            assert bits(row[path + ".last"]) == bits(value), (row["run"], path)
            assert row[path + ".last_step"] == step
    # Sorted best first by the first metric of the experiment (all of these maximise accuracy first).
    first = [column for column in frame.columns if column.endswith(".best")][0]
    assert list(frame[first]) == sorted(frame[first], reverse=True)


def test_runs_arrow_types_and_selection():
    logdir = os.path.join(FIXTURES, "hparams", "tf")
    table = tfevents.runs_arrow(logdir, metrics=["min:train/epoch_loss"], runs=["run-[01]"])
    assert table.column("run").to_pylist() == ["run-0", "run-1"]  # 0.375 < 0.625
    assert table.schema.field("num_units").type == pa.float64()
    assert table.schema.field("optimizer").type == pa.string()
    assert table.schema.field("augment").type == pa.bool_()
    assert table.schema.field("train/epoch_loss.best_step").type == pa.int64()
    assert table.column("train/epoch_loss.best").to_pylist() == [0.375, 0.625]
    regex = tfevents.runs_arrow(logdir, run_regex=r"^run-3(/|$)")
    assert regex.column("run").to_pylist() == ["run-3"]
    per_run = tfevents.runs(logdir, per_run=True, metrics=["epoch_accuracy"])
    assert set(per_run["run"]) == {"."} | {f"run-{k}{sub}" for k in range(4) for sub in ("", "/train", "/validation")}
