"""Read TensorBoard event files at memory speed, without TensorFlow.

A thin, typed layer over the ``tfevents`` command-line tool (written in
Swift; the wheel carries it): scalars come out of the tool as an Apache
Arrow IPC stream and are read with pyarrow, so a DataFrame of ten million
points is built without parsing text.

>>> import tfevents
>>> df = tfevents.scalars("logs/", tags=["loss", "eval/*"])        # pandas
>>> table = tfevents.scalars_arrow("logs/")                          # pyarrow.Table
>>> best = tfevents.best("model_dir", metric="accuracy", mode="max")
>>> sweep = tfevents.runs("sweep/")                                   # one row per HParams session

Paths may be local files or directories, or ``gs://`` and ``s3://`` URLs
(credentials as the tool reads them: see its README).
"""
from __future__ import annotations

import json
import mmap
import os
import re
import shutil
import subprocess
import warnings
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Union

import pyarrow as pa
import pyarrow.ipc

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import polars

__all__ = ["TFEventsError", "scalars", "scalars_arrow", "scalars_polars", "best", "scan", "tags", "runs", "runs_arrow", "binary"]
__version__ = "0.1.0"

PathLike = Union[str, "os.PathLike[str]"]


class TFEventsError(RuntimeError):
    """A failure of the tool, with its message and, where it named them,
    the file and the byte offset concerned.

    Attributes:
        message: the tool's message (its standard error, trimmed).
        path: the file or URL the message names, when it names one.
        offset: the byte offset it names, when it names one.
        exit_status: the tool's exit status (1 corrupt records, 2 usage or
            unreadable input, 3 no evaluation, 4 export failed).
    """

    def __init__(self, message: str, exit_status: int, path: Optional[str] = None, offset: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.exit_status = exit_status
        self.path = path
        self.offset = offset


def binary() -> str:
    """The ``tfevents`` executable used: the one in this package, else
    ``$TFEVENTS_BINARY``, else the first on the ``PATH``."""
    override = os.environ.get("TFEVENTS_BINARY")
    if override:
        return override
    packaged = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "tfevents")
    if os.path.exists(packaged):
        return packaged
    found = shutil.which("tfevents")
    if found:
        return found
    raise TFEventsError("no tfevents binary: install the tfevents wheel, or set TFEVENTS_BINARY", 2)


_OFFSET = re.compile(r"\boffset (\d+)")


def _error(stderr: bytes, status: int, paths: Sequence[str]) -> TFEventsError:
    text = stderr.decode("utf-8", "replace").strip()
    lines = [line[len("tfevents: "):] if line.startswith("tfevents: ") else line for line in text.splitlines()]
    message = "\n".join(lines) or f"tfevents exited with status {status}"
    offset_match = _OFFSET.search(message)
    named = None
    for line in lines:
        head = line.split(": ", 1)[0]
        if head and (os.path.exists(head) or head.startswith(("gs://", "s3://")) or any(head.startswith(p) for p in paths)):
            named = head
            break
    return TFEventsError(message, status, named, int(offset_match.group(1)) if offset_match else None)


def _check(process: subprocess.CompletedProcess, paths: Sequence[str], errors: str) -> None:
    if process.returncode == 0:
        return
    error = _error(process.stderr, process.returncode, paths)
    if process.returncode == 1 and errors == "warn":
        warnings.warn(f"tfevents: {error.message}", RuntimeWarning, stacklevel=3)
        return
    raise error


def _paths(path: Union[PathLike, Iterable[PathLike]]) -> List[str]:
    if isinstance(path, (str, os.PathLike)):
        return [os.fspath(path)]
    return [os.fspath(p) for p in path]


def scalars_arrow(path: Union[PathLike, Iterable[PathLike]], tags: Optional[Sequence[str]] = None,
                  runs: Optional[Sequence[str]] = None, *, with_path: bool = False,
                  errors: str = "raise") -> pa.Table:
    """Every scalar point under ``path`` as a ``pyarrow.Table``.

    Columns: ``run`` and ``tag`` (dictionary-encoded strings; the run is the
    event file's directory relative to the directory given, ``"."`` for
    files in it), ``step`` (int64), ``wall_time`` and ``value`` (float64,
    exactly as stored: float32 ``simple_value``s widened, TF2 tensors at
    their precision, NaN and infinities kept), and with ``with_path`` the
    event file's ``path``. Rows come in file order, files in sorted order.

    Args:
        path: an event file, a log directory (searched recursively), a
            ``gs://`` or ``s3://`` URL, or a list of them.
        tags: keep only tags matching one of these globs (``*``, ``?``, ``[...]``).
        runs: read only the runs (directories below a directory given)
            matching one of these globs, ``*`` crossing ``/``; a run is
            also taken when one of its parent directories matches.
        with_path: add the ``path`` column.
        errors: ``"raise"`` (default) raises :class:`TFEventsError` when a
            record is corrupt; ``"warn"`` returns every readable point and warns.

    Raises:
        TFEventsError: the tool failed; carries its message, the file and the offset.
    """
    return _read_arrow(_start_scalars(path, tags, runs, with_path), errors)


def _start_scalars(path: Union[PathLike, Iterable[PathLike]], tags: Optional[Sequence[str]],
                   runs: Optional[Sequence[str]], with_path: bool) -> "_Started":
    """Starts the binary writing the points as an Arrow stream."""
    paths = _paths(path)
    arguments = ["scalars", *paths, "--format", "arrow"]
    for tag in tags or []:
        arguments += ["--tag", tag]
    if with_path:
        arguments.append("--path-column")
    return _start(arguments + _run_options(runs), paths)


def _run_options(runs: Optional[Sequence[str]], run_regex: Optional[str] = None) -> List[str]:
    """``--run GLOB`` per glob, and ``--run-regex``."""
    options: List[str] = []
    for pattern in runs or []:
        options += ["--run", pattern]
    if run_regex is not None:
        options += ["--run-regex", run_regex]
    return options


def _start(arguments: List[str], paths: List[str]) -> "_Started":
    """Starts the binary with ``arguments``.

    On Linux its standard output is an anonymous shared-memory file
    (``memfd``): the binary writes the whole stream while this process goes
    on (importing pandas, say) instead of stalling on a full pipe, and the
    table is then read in place from the mapped file, with no copy. Where
    there is no ``memfd``, a pipe read as the stream comes.
    """
    memfd = os.memfd_create("tfevents-arrow", os.MFD_CLOEXEC) if hasattr(os, "memfd_create") else None
    try:
        process = subprocess.Popen([binary(), *arguments], stdout=subprocess.PIPE if memfd is None else memfd,
                                   stderr=subprocess.PIPE)
    except BaseException:
        if memfd is not None:
            os.close(memfd)
        raise
    return _Started(process, paths, memfd)


class _Started(NamedTuple):
    """A running binary, the paths it was given, and the shared-memory
    file it writes its stream to (``None``: it writes to a pipe)."""

    process: subprocess.Popen
    paths: List[str]
    memfd: Optional[int]


def _read_arrow(started: _Started, errors: str) -> pa.Table:
    """Reads the stream of a started binary into a table; checks its exit."""
    process, paths, memfd = started
    table: Optional[pa.Table] = None
    failure: Optional[BaseException] = None
    try:
        if memfd is None:
            try:
                with pa.ipc.open_stream(process.stdout) as reader:
                    table = reader.read_all()
            except pa.ArrowInvalid as error:  # the tool stopped before writing a stream
                failure = error
        stderr = process.stderr.read() if process.stderr else b""
        status = process.wait()
        if memfd is not None:
            size = os.fstat(memfd).st_size
            try:
                if size == 0:
                    raise pa.ArrowInvalid("the stream is empty")
                # The table's buffers point into the mapping, which lives
                # as long as they do (closing the descriptor keeps it).
                # Populated at once: faulting the pages in one by one on first
                # use costs more than mapping them all here.
                mapped = mmap.mmap(memfd, size, flags=mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0),
                                   prot=mmap.PROT_READ)
                with pa.ipc.open_stream(pa.py_buffer(mapped)) as reader:
                    table = reader.read_all()
            except pa.ArrowInvalid as error:
                failure = error
    finally:
        if memfd is not None:
            os.close(memfd)
    _check(subprocess.CompletedProcess(process.args, status, b"", stderr), paths, errors)
    if table is None:
        raise TFEventsError(f"no Arrow stream from tfevents: {failure}", status)
    return table


def scalars(path: Union[PathLike, Iterable[PathLike]], tags: Optional[Sequence[str]] = None,
            runs: Optional[Sequence[str]] = None, *, pivot: bool = False, with_path: bool = False,
            dtype_backend: str = "numpy", errors: str = "raise") -> "pandas.DataFrame":
    """Every scalar point under ``path`` as a pandas DataFrame (long form:
    ``run``, ``tag`` as categoricals, ``step``, ``wall_time``, ``value``).

    With ``pivot=True``, one column per tag indexed by ``run`` and ``step``
    (as tbparse's ``pivot=True``); a tag written twice at one step keeps
    its last value. ``dtype_backend="pyarrow"`` keeps the columns in the
    Arrow buffers (``pandas.ArrowDtype``: no conversion and no second copy,
    the fastest way to a DataFrame); the default gives NumPy columns and
    categoricals. Other arguments as :func:`scalars_arrow`.
    """
    if dtype_backend not in ("numpy", "pyarrow"):
        raise ValueError("dtype_backend is 'numpy' or 'pyarrow'")
    # The binary reads the files and writes the whole stream while this
    # process imports pandas.
    started = _start_scalars(path, tags, runs, with_path)
    import pandas  # noqa: F401

    table = _read_arrow(started, errors)
    if dtype_backend == "pyarrow":
        frame = table.to_pandas(types_mapper=pandas.ArrowDtype)
    else:
        # One column per block, and each Arrow buffer released once
        # converted: the peak holds one copy of the data, not two.
        frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    if not pivot:
        return frame
    return frame.pivot_table(index=["run", "step"], columns="tag", values="value", aggfunc="last",
                             observed=True).reset_index()


def scalars_polars(path: Union[PathLike, Iterable[PathLike]], tags: Optional[Sequence[str]] = None,
                   runs: Optional[Sequence[str]] = None, *, with_path: bool = False,
                   errors: str = "raise") -> "polars.DataFrame":
    """Every scalar point under ``path`` as a polars DataFrame (``run`` and
    ``tag`` categorical). Needs polars. Arguments as :func:`scalars_arrow`."""
    started = _start_scalars(path, tags, runs, with_path)
    import polars as pl

    return pl.from_arrow(_read_arrow(started, errors))


def _json(arguments: List[str], paths: Sequence[str], errors: str = "raise") -> Any:
    process = subprocess.run([binary(), *arguments], capture_output=True)
    _check(process, paths, errors)
    return json.loads(process.stdout.decode("utf-8"))


def best(model_dir: PathLike, metric: Optional[str] = None, mode: str = "min", *, layout: str = "auto",
         checkpoint: Optional[str] = None, eval_name: Optional[str] = None, pattern: Optional[str] = None,
         errors: str = "raise") -> Dict[str, Any]:
    """The best evaluation of a run and its checkpoint, as ``tfevents best``
    finds it (Estimator, Hugging Face, Lightning, Keras or Orbax layouts).

    Args:
        model_dir: the model directory (or its URL).
        metric: the metric compared; default the layout's loss tag (``loss``,
            ``eval/loss``, ``val_loss``, ``epoch_loss``).
        mode: ``"min"`` (smaller is better) or ``"max"``.
        layout: ``"auto"``, ``"estimator"``, ``"huggingface"``, ``"lightning"``,
            ``"keras"`` or ``"orbax"``.
        checkpoint: the checkpoint template (Keras: ``ModelCheckpoint``'s filepath).
        eval_name: Estimator's named evaluation (``eval_<name>/``).
        pattern: a glob of the eval event files relative to ``model_dir``.

    Returns:
        ``{"global_step", "metrics", "event_file", "checkpoint", "skipped"}``;
        ``checkpoint`` is None when the checkpoint is gone.

    Raises:
        TFEventsError: no evaluation (exit status 3), a bad directory (2),
        corrupt records (1, unless ``errors="warn"``).
    """
    if mode not in ("min", "max"):
        raise ValueError("mode is 'min' or 'max'")
    directory = os.fspath(model_dir)
    arguments = ["best", directory, "--format", "json", "--layout", layout]
    if metric is not None:
        arguments += ["--metric", metric]
    if mode == "max":
        if metric is None:
            raise ValueError("mode='max' needs a metric (the default metrics are losses)")
        arguments.append("--higher-is-better")
    if checkpoint is not None:
        arguments += ["--checkpoint", checkpoint]
    if eval_name is not None:
        arguments += ["--eval-name", eval_name]
    if pattern is not None:
        arguments += ["--pattern", pattern]
    return _json(arguments, [directory], errors)


def scan(path: Union[PathLike, Iterable[PathLike]], errors: str = "raise") -> List[Dict[str, Any]]:
    """Verifies every byte of the event files under ``path``: one dict per
    file (records, events, scalar points, corrupt records with offsets)."""
    paths = _paths(path)
    return _json(["scan", *paths, "--format", "json"], paths, errors)


def tags(logdir: PathLike, errors: str = "raise") -> List[Dict[str, Any]]:
    """Every tag of every run under ``logdir`` (through its index): run,
    tag, plugin, data class, scalar and other point counts."""
    directory = os.fspath(logdir)
    return _json(["tags", directory, "--format", "json"], [directory], errors)


def runs_arrow(logdir: PathLike, metrics: Optional[Sequence[str]] = None, runs: Optional[Sequence[str]] = None, *,
               run_regex: Optional[str] = None, higher_is_better: Optional[Sequence[str]] = None,
               per_run: bool = False, errors: str = "raise") -> pa.Table:
    """The runs of a sweep as a ``pyarrow.Table``, as ``tfevents runs``
    finds them: one row per TensorBoard HParams session (or per run where
    there are none), best first by the first metric.

    Columns: ``run``; ``status`` and ``group`` where there are sessions;
    one column per hyperparameter under its own name (float64 for numbers,
    string, bool); per metric ``METRIC.best``, ``METRIC.best_step``,
    ``METRIC.last``, ``METRIC.last_step``; ``first_step``, ``last_step``,
    ``first_wall_time``, ``last_wall_time``; ``checkpoint`` (the checkpoint
    of the first metric's best step, relative to ``logdir``, where a row is
    a model directory).

    Args:
        logdir: the log directory (or its URL).
        metrics: tags (or ``group/tag`` relative to a session), each with an
            optional ``max:`` or ``min:`` prefix; default the experiment's metrics.
        runs: only runs matching one of these globs (see :func:`scalars_arrow`).
        run_regex: only runs whose path contains a match of this expression.
        higher_is_better: metrics whose larger values are better (else
            larger for accuracy-like names, smaller for the rest).
        per_run: one row per run even where there are sessions.

    Raises:
        TFEventsError: the tool failed; carries its message, the file and the offset.
    """
    directory = os.fspath(logdir)
    arguments = ["runs", directory, "--format", "arrow"]
    for metric in metrics or []:
        arguments += ["--metric", metric]
    for metric in higher_is_better or []:
        arguments += ["--higher-is-better", metric]
    if per_run:
        arguments.append("--per-run")
    return _read_arrow(_start(arguments + _run_options(runs, run_regex), [directory]), errors)


def runs(logdir: PathLike, metrics: Optional[Sequence[str]] = None, runs: Optional[Sequence[str]] = None, *,
         run_regex: Optional[str] = None, higher_is_better: Optional[Sequence[str]] = None,
         per_run: bool = False, errors: str = "raise") -> "pandas.DataFrame":
    """:func:`runs_arrow` as a pandas DataFrame, one row per session or run.

    >>> frame = tfevents.runs("sweep/", metrics=["max:hparam/accuracy"])
    >>> frame.iloc[0][["run", "lr", "hparam/accuracy.best", "checkpoint"]]
    """
    import pandas  # noqa: F401

    return runs_arrow(logdir, metrics, runs, run_regex=run_regex, higher_is_better=higher_is_better,
                      per_run=per_run, errors=errors).to_pandas()

