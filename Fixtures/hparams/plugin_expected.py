"""Shared helper of the hparams fixture generators: what TensorBoard's OWN hparams
plugin reports for a log directory, plus the raw hparams/scalar data of every run.

The plugin is driven exactly as `tensorboard --logdir` drives it (see
tensorboard/backend/event_processing/data_ingester.py, LocalDataIngester): a
plugin_event_multiplexer.EventMultiplexer with the same size guidance and
purge_orphaned_data=True, AddRunsFromDirectory(logdir) + Reload(), a
MultiplexerDataProvider, base_plugin.TBContext, then HParamsPlugin. The
experiment comes from get_experiment.Handler and the session groups from
list_session_groups.Handler (the handlers behind /experiment and
/session_groups); both are cross-checked against the plugin's HTTP routes
called through werkzeug.

Experiment id: "" (what plugin_util.experiment_id() returns for a local logdir).

Session-groups request ("everything, no filter, default order"):
  allowed_statuses = all four Status values (STATUS_UNKNOWN included: sessions
    without a SessionEndInfo have status UNKNOWN and would otherwise be dropped),
  col_params = one ColParams per hparam and per metric of the experiment, with no
    filter, ORDER_UNSPECIFIED and no include_in_result (=> all hparams kept),
  aggregation_type = AGGREGATION_AVG (what AGGREGATION_UNSET also means),
  start_index = 0, slice_size = 1_000_000 (slice_size 0 would return nothing).

Works with and without TensorFlow installed (tensorboard's tf stub suffices).
"""
import json
import math
import os

from google.protobuf import json_format

import tensorboard
from tensorboard import context as tb_context
from tensorboard.backend.event_processing import data_ingester
from tensorboard.backend.event_processing import data_provider as tb_data_provider
from tensorboard.backend.event_processing import event_file_loader
from tensorboard.backend.event_processing import io_wrapper
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.compat.proto import summary_pb2
from tensorboard.plugins import base_plugin
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import get_experiment
from tensorboard.plugins.hparams import hparams_plugin
from tensorboard.plugins.hparams import list_session_groups
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.plugins.scalar import metadata as scalar_metadata
from tensorboard.util import tensor_util

EXPERIMENT_ID = ""
TENSORBOARD_VERSION = tensorboard.__version__


def _rel(path, root):
    return os.path.relpath(path, root).replace(os.sep, "/")


def _jsonable(x):
    """Non-finite floats -> "NaN"/"Infinity"/"-Infinity" (as protobuf JSON does)."""
    if isinstance(x, float) and not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def to_dict(message):
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def load(logdir):
    """The multiplexer, data provider and plugin TensorBoard would build."""
    tensor_size_guidance = dict(data_ingester.DEFAULT_TENSOR_SIZE_GUIDANCE)
    multiplexer = plugin_event_multiplexer.EventMultiplexer(
        size_guidance=data_ingester.DEFAULT_SIZE_GUIDANCE,
        tensor_size_guidance=tensor_size_guidance,
        purge_orphaned_data=True,
    )
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = tb_data_provider.MultiplexerDataProvider(multiplexer, logdir)
    context = base_plugin.TBContext(
        logdir=logdir, data_provider=provider, multiplexer=multiplexer
    )
    plugin = hparams_plugin.HParamsPlugin(context)
    return multiplexer, provider, plugin


def session_groups_request(experiment):
    col_params = [api_pb2.ColParams(hparam=h.name)
                  for h in experiment.hparam_infos]
    col_params += [api_pb2.ColParams(metric=m.name)
                   for m in experiment.metric_infos]
    return api_pb2.ListSessionGroupsRequest(
        experiment_name=EXPERIMENT_ID,
        allowed_statuses=[api_pb2.STATUS_UNKNOWN, api_pb2.STATUS_SUCCESS,
                          api_pb2.STATUS_FAILURE, api_pb2.STATUS_RUNNING],
        col_params=col_params,
        aggregation_type=api_pb2.AGGREGATION_AVG,
        start_index=0,
        slice_size=1_000_000,
    )


def _via_route(plugin, route, request_proto, response_class):
    """Calls the plugin's own WSGI route (POST, JSON body) and parses the answer."""
    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    client = Client(plugin.get_plugin_apps()[route], Response)
    response = client.post("/", data=json_format.MessageToJson(request_proto),
                           content_type="application/json")
    assert response.status_code == 200, (route, response.status_code, response.data)
    return json_format.Parse(response.get_data(as_text=True), response_class())


def _event_files(run_dir):
    return sorted(
        os.path.join(run_dir, name) for name in os.listdir(run_dir)
        if io_wrapper.IsTensorFlowEventsFile(os.path.join(run_dir, name))
        and os.path.isfile(os.path.join(run_dir, name))
    )


def raw_run(logdir, run_dir):
    """hparams summaries and scalar values of one run, in file order (files sorted
    by name, as TensorBoard's DirectoryWatcher reads them). Each file is read with
    EventFileLoader (data_compat + dataclass_compat migrations applied); a tag is a
    scalar when the first metadata seen for it in the run (what the accumulator
    keeps) is plugin "scalars" with DATA_CLASS_SCALAR; its value is
    tensor_util.make_ndarray(tensor).item(), as MultiplexerDataProvider converts."""
    hparams = []
    scalars = {}
    first_metadata = {}
    for path in _event_files(run_dir):
        for event in event_file_loader.EventFileLoader(path).Load():
            if not event.HasField("summary"):
                continue
            for value in event.summary.value:
                if value.HasField("metadata") and value.tag not in first_metadata:
                    first_metadata[value.tag] = value.metadata
                if value.metadata.plugin_data.plugin_name == hparams_metadata.PLUGIN_NAME:
                    hparams.append({
                        "event_file": _rel(path, logdir),
                        "tag": value.tag,
                        "step": int(event.step),
                        "wall_time": float(event.wall_time),
                        "content_hex": value.metadata.plugin_data.content.hex(),
                    })
                md = first_metadata.get(value.tag)
                if (md is not None and value.HasField("tensor")
                        and md.plugin_data.plugin_name == scalar_metadata.PLUGIN_NAME
                        and md.data_class == summary_pb2.DATA_CLASS_SCALAR):
                    number = tensor_util.make_ndarray(value.tensor).item()
                    scalars.setdefault(value.tag, []).append(
                        [int(event.step), float(event.wall_time), float(number)])
    return {"hparams_summaries": hparams, "scalars": scalars}


def without_experiment_summary(plugin, ctx):
    """What the plugin reports for the same logdir if no run had an
    `_hparams_/experiment` value: TensorBoard's own handlers with only
    Context._find_experiment_tag forced to return None, so that
    experiment_from_metadata falls through to _compute_experiment_from_runs
    (hparam_infos inferred from all SessionStartInfos, metric_infos from the
    scalar tags of the session runs and their subdirectories). Equivalent to
    deleting the experiment summaries from the event files."""
    backend = plugin._context
    backend._find_experiment_tag = lambda *args, **kwargs: None
    try:
        experiment = get_experiment.Handler(
            ctx, backend, EXPERIMENT_ID,
            api_pb2.GetExperimentRequest(experiment_name=EXPERIMENT_ID)).run()
        groups = list_session_groups.Handler(
            ctx, backend, EXPERIMENT_ID, session_groups_request(experiment)).run()
    finally:
        del backend._find_experiment_tag  # back to the class's method
    return {"experiment": to_dict(experiment), "session_groups": to_dict(groups)}


def expected(logdir, writer, notes=()):
    """The expected.json content for `logdir` (paths relative to `logdir`)."""
    logdir = os.path.abspath(logdir)
    multiplexer, provider, plugin = load(logdir)
    backend = plugin._context
    ctx = tb_context.RequestContext()

    experiment = get_experiment.Handler(
        ctx, backend, EXPERIMENT_ID,
        api_pb2.GetExperimentRequest(experiment_name=EXPERIMENT_ID)).run()
    request = session_groups_request(experiment)
    groups = list_session_groups.Handler(ctx, backend, EXPERIMENT_ID, request).run()

    # Cross-check: the plugin's HTTP routes answer the same.
    assert _via_route(plugin, "/experiment",
                      api_pb2.GetExperimentRequest(experiment_name=EXPERIMENT_ID),
                      api_pb2.Experiment) == experiment
    assert _via_route(plugin, "/session_groups", request,
                      api_pb2.ListSessionGroupsResponse) == groups

    inferred = without_experiment_summary(plugin, ctx)

    run_order = list(multiplexer.Runs().keys())
    raw = {}
    for run in sorted(run_order):
        raw[run] = raw_run(logdir, os.path.join(logdir, run))

    # Cross-check the raw scalars against the data provider's own read_scalars.
    from_provider = provider.read_scalars(
        ctx, experiment_id=EXPERIMENT_ID, plugin_name=scalar_metadata.PLUGIN_NAME,
        downsample=1_000_000)
    for run, tags in from_provider.items():
        for tag, data in tags.items():
            mine = raw[run]["scalars"].get(tag)
            theirs = [[d.step, d.wall_time, float(d.value)] for d in data]
            assert mine == theirs, (run, tag, mine, theirs)
    for run, entry in raw.items():
        assert set(entry["scalars"]) == set(from_provider.get(run, {})), run

    result = {
        "writer": writer,
        "experiment": to_dict(experiment),
        "session_groups": to_dict(groups),
        "raw": raw,
        "plugin_run_order": run_order,
        "inferred_without_experiment_summary": inferred,
        "notes": list(notes),
    }
    return _jsonable(result)


def write(path, data):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, allow_nan=False)
        handle.write("\n")


def summary(data):
    """A compact human-readable view of an expected dict."""
    lines = [f"writer: {data['writer']}"]
    exp = data["experiment"]
    for h in exp.get("hparam_infos", []):
        domain = h.get("domain_discrete", h.get("domain_interval", ""))
        lines.append(f"  hparam {h['name']}: {h.get('type')} {json.dumps(domain)}")
    for m in exp.get("metric_infos", []):
        lines.append(f"  metric {json.dumps(m['name'])}")
    sg = data["session_groups"]
    lines.append(f"  total_size {sg.get('total_size')}")
    for group in sg.get("session_groups", []):
        hp = ", ".join(f"{k}={v!r}" for k, v in sorted(group.get("hparams", {}).items()))
        lines.append(f"  group {group['name']!r}: {hp}")
        for mv in group.get("metric_values", []):
            name = mv["name"]
            lines.append(f"    {name.get('group', '')}/{name['tag']} = {mv['value']} @ step {mv.get('training_step', 0)}")
        for s in group.get("sessions", []):
            lines.append(f"    session {s['name']!r} status={s.get('status', 'STATUS_UNKNOWN')} "
                         f"metrics={len(s.get('metric_values', []))}")
    inferred = data.get("inferred_without_experiment_summary")
    if inferred:
        lines.append("  without experiment summary (inferred):")
        for h in inferred["experiment"].get("hparam_infos", []):
            domain = h.get("domain_discrete", h.get("domain_interval", ""))
            lines.append(f"    hparam {h['name']}: {h.get('type')} {json.dumps(domain)} differs={h.get('differs', False)}")
        for m in inferred["experiment"].get("metric_infos", []):
            lines.append(f"    metric {json.dumps(m['name'])}")
        for group in inferred["session_groups"].get("session_groups", []):
            values = ", ".join(f"{mv['name'].get('group', '')}/{mv['name']['tag']}={mv['value']}"
                               for mv in group.get("metric_values", []))
            lines.append(f"    group {group['name']!r}: {values}")
    return "\n".join(lines)
