#!/usr/bin/env python3
"""Kills `tfevents export` / `tfevents watch` with SIGKILL at random moments
over a simulated training run, and checks what is left after every kill.

    Scripts/kill-loop.py [--iterations N] [--seed S] [--binary PATH] [--keep K]
                         [--max-to-keep M] [--drift D] [--noise E]

Each iteration trains one step (a checkpoint model.ckpt-<step>.{index,data},
the `checkpoint` file, one evaluation appended to eval/events.out.tfevents.*,
sometimes in a new file as a restarted job writes), then starts either
`tfevents export` or `tfevents watch` and, most of the time, SIGKILLs it after
a random delay (0-60 ms: before the lock, during recovery, mid-export,
mid-garbage-collection or after). Every few iterations a run is let to finish.

Checked after every run (killed or not), from first principles:
  - every 10-digit export directory is complete: its manifest names a
    checkpoint and a step, and variables/ holds exactly that checkpoint's
    files (no half-written and no half-deleted export is ever visible);
  - no export made by the run is worse than the best export that survived
    before it (by loss, the only thing that matters to whoever serves it);
  - the best surviving loss never gets worse (the best export is never
    the one garbage-collected);
Checked after every run that finished:
  - no temp-* directory is left (the run removed those of killed runs);
  - at most --keep exports remain;
  - its decision is the one that leaves the best model available exported:
    of the newest evaluation and (when its checkpoint still exists, which
    the Saver's max_to_keep=5 rotation often prevents) the best evaluation
    in the event files, the better one (the newest on a tie with the
    best) is exported if it is strictly better than every surviving
    export, and nothing otherwise.
Prints the figures and exits 1 on any failed check. Needs only Python 3 and
the built CLI (default .build/debug/tfevents; run `swift build` first).
"""
import argparse, json, os, random, re, shutil, signal, struct, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# --- TFRecord writing (docs/FORMAT.md §1): CRC32C, masked -------------------------------
_TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    _TABLE.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def record(payload):
    length = struct.pack("<Q", len(payload))
    return length + struct.pack("<I", masked(length)) + payload + struct.pack("<I", masked(payload))


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def length_delimited(field, data):
    return varint((field << 3) | 2) + varint(len(data)) + data


def eval_event(step, loss, wall_time):
    value = length_delimited(1, b"loss") + b"\x15" + struct.pack("<f", loss)
    summary = length_delimited(1, value)
    return b"\x09" + struct.pack("<d", wall_time) + b"\x10" + varint(step) + length_delimited(5, summary)


def file_version_event(wall_time):
    return b"\x09" + struct.pack("<d", wall_time) + length_delimited(3, b"brain.Event:2")


# --- The simulated training job -----------------------------------------------
def checkpoint_data(step):
    """A checkpoint shard of about 4 MiB: exports across file systems copy it,
    which takes long enough for kills to land in the middle of exports."""
    return ("data of step %d\n" % step).encode() * 262144


class Training:
    def __init__(self, model, rng, keep_checkpoints=25, drift=0.02, noise=0.15):
        self.model, self.rng, self.keep = model, rng, keep_checkpoints
        self.drift, self.noise = drift, noise
        self.step, self.files, self.evals, self.checkpoints = 0, 0, [], []
        self.eval_path = None
        os.makedirs(os.path.join(model, "eval"))

    def restart(self):
        self.eval_path = None

    def train_and_evaluate(self):
        self.step += 100
        prefix = os.path.join(self.model, "model.ckpt-%d" % self.step)
        with open(prefix + ".index", "w") as f:
            f.write("index of step %d\n" % self.step)
        with open(prefix + ".data-00000-of-00001", "wb") as f:
            f.write(checkpoint_data(self.step))
        self.checkpoints.append(self.step)
        while len(self.checkpoints) > self.keep:  # the Saver's max_to_keep
            old = self.checkpoints.pop(0)
            for suffix in (".index", ".data-00000-of-00001"):
                os.unlink(os.path.join(self.model, "model.ckpt-%d%s" % (old, suffix)))
        state = 'model_checkpoint_path: "model.ckpt-%d"\n' % self.step + "".join(
            'all_model_checkpoint_paths: "model.ckpt-%d"\n' % s for s in self.checkpoints)
        with open(os.path.join(self.model, "checkpoint.tmp"), "w") as f:
            f.write(state)
        os.replace(os.path.join(self.model, "checkpoint.tmp"), os.path.join(self.model, "checkpoint"))
        # A loss that drifts down with noise, on float32-exact values.
        loss = max(0.0, 8.0 - self.step / 100.0 * self.drift + self.rng.uniform(-self.noise, self.noise))
        loss = round(loss * 1024) / 1024
        wall_time = 1.7e9 + self.step
        if self.eval_path is None:
            self.files += 1
            self.eval_path = os.path.join(self.model, "eval", "events.out.tfevents.%d.host" % (1700000000 + self.files))
            with open(self.eval_path, "ab") as f:
                f.write(record(file_version_event(wall_time)))
        with open(self.eval_path, "ab") as f:
            f.write(record(eval_event(self.step, loss, wall_time)))
        self.evals.append((self.step, loss))

    def best(self):
        best = None
        for step, loss in self.evals:
            if best is None or loss < best[1]:
                best = (step, loss)
        return best


# --- Checks -------------------------------------------------------------------
def exports(export_path):
    """{version: (step, checkpoint)} of the 10-digit directories; raises on a broken one."""
    found = {}
    if not os.path.isdir(export_path):
        return found
    for name in sorted(os.listdir(export_path)):
        if not (len(name) == 10 and name.isdigit()):
            continue
        directory = os.path.join(export_path, name)
        manifest_path = os.path.join(directory, "export_manifest.pbtxt")
        if not os.path.isfile(manifest_path):
            raise AssertionError("export %s has no manifest: %s" % (name, os.listdir(directory)))
        manifest = open(manifest_path).read()
        step = int(re.search(r"global_step: (\d+)", manifest).group(1))
        checkpoint = re.search(r'checkpoint_path: "([^"]+)"', manifest).group(1)
        variables = os.path.join(directory, "variables")
        names = sorted(os.listdir(variables))
        if names != ["variables.data-00000-of-00001", "variables.index"]:
            raise AssertionError("export %s: variables/ holds %s" % (name, names))
        if open(os.path.join(variables, "variables.index")).read() != "index of step %d\n" % step:
            raise AssertionError("export %s: variables.index is not step %d's" % (name, step))
        expected = checkpoint_data(step)
        if open(os.path.join(variables, "variables.data-00000-of-00001"), "rb").read() != expected:
            raise AssertionError("export %s: variables.data is not step %d's (or is incomplete)" % (name, step))
        if not checkpoint.endswith("model.ckpt-%d" % step):
            raise AssertionError("export %s: checkpoint %s is not step %d" % (name, checkpoint, step))
        found[name] = (step, checkpoint)
    return found


def expected_decision(training, before):
    """(exported, step) from first principles: the best model that can still
    be exported (the newest evaluation, or the best evaluation in the event
    files when its checkpoint survives) is exported iff it is strictly better
    than every surviving export."""
    newest_step, newest_loss = training.evals[-1]
    best_step, best_loss = training.best()
    losses = dict(training.evals)
    surviving = min((losses[step] for step, _ in before.values()), default=float("inf"))
    if newest_loss <= best_loss:
        candidate = (newest_step, newest_loss)
    elif best_step in training.checkpoints:
        candidate = (best_step, best_loss)
    else:
        candidate = (newest_step, newest_loss)
    return (candidate[1] < surviving, candidate[0] if candidate[1] < surviving else newest_step)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=int, default=3)
    parser.add_argument("--drift", type=float, default=0.02,
                        help="how much the loss falls per evaluation (small: a plateau, where restarts matter)")
    parser.add_argument("--noise", type=float, default=0.15, help="the loss's noise, uniform +-")
    parser.add_argument("--max-to-keep", type=int, default=5,
                        help="checkpoints the simulated Saver keeps (TensorFlow's default: 5)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "tfevents"))
    parser.add_argument("--max-delay-ms", type=float, default=60)
    parser.add_argument("--same-file-system", action="store_true",
                        help="export next to the model (hard links) instead of to /dev/shm (copies)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    scratch = tempfile.mkdtemp(prefix="tfevents-kill-loop-")
    model = os.path.join(scratch, "model")
    export_path = os.path.join(model, "export", "best_exporter")
    training = Training(model, rng, keep_checkpoints=args.max_to_keep, drift=args.drift, noise=args.noise)
    # Exports on another file system (memory), as a model directory on a
    # training disk exporting to a serving volume: variables are copied.
    shm = None
    if os.path.isdir("/dev/shm") and not args.same_file_system:
        shm = tempfile.mkdtemp(prefix="tfevents-kill-loop-exports-", dir="/dev/shm")
        os.symlink(shm, os.path.join(model, "export"))
    figures = dict(iterations=0, runs=0, kills=0, finished=0, checks=0, failures=0, temp_left_by_kills=0,
                   temp_cleaned=0, exported=0, declined=0, watch_runs=0, export_runs=0, kills_mid_export=0,
                   worse_exports=0, best_lost=0, over_keep=0)
    env = dict(os.environ, SWIFT_BACKTRACE="enable=no")

    durations = []

    def check(condition, message):
        figures["checks"] += 1
        if not condition:
            figures["failures"] += 1
            print("FAILED:", message, file=sys.stderr)

    try:
        for iteration in range(args.iterations):
            figures["iterations"] += 1
            if rng.random() < 0.1:
                training.restart()  # the training job restarted: a new eval file
            training.train_and_evaluate()
            try:
                before = exports(export_path)
            except AssertionError as error:
                check(False, str(error))
                before = {}
            temp_before = [n for n in (os.listdir(export_path) if os.path.isdir(export_path) else []) if n.startswith("temp-")]
            let_finish = iteration % 4 == 3
            watch = rng.random() < 0.4
            figures["watch_runs" if watch else "export_runs"] += 1
            command = [args.binary, "watch" if watch else "export", model, "--keep", str(args.keep), "--as-text",
                       "--format", "json"] + (["--interval", "0.05"] if watch else [])
            if rng.random() < 0.5:
                # A model writer that takes its time (as a SavedModel
                # conversion does), so that kills land mid-export.
                command += ["--command", "mkdir -p {export_dir}/variables && cp {checkpoint}.index "
                            "{export_dir}/variables/variables.index && sleep 0.03 && cp "
                            "{checkpoint}.data-00000-of-00001 {export_dir}/variables/variables.data-00000-of-00001"]
            started = time.time()
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            figures["runs"] += 1
            killed = False
            if let_finish:
                if watch:
                    # Until its first decision is out, then a clean stop.
                    deadline = time.time() + 20
                    line = b""
                    while time.time() < deadline and not line:
                        line = process.stdout.readline()
                    process.send_signal(signal.SIGTERM)
                    rest, stderr = process.communicate(timeout=20)
                    stdout = line + rest
                else:
                    stdout, stderr = process.communicate(timeout=60)
                    # The mean duration of a whole export run (start to exit).
                    elapsed = time.time() - started
                    durations.append(elapsed if not durations else 0.8 * durations[-1] + 0.2 * elapsed)
                figures["finished"] += 1
            else:
                # Half the kills anywhere in a run, half in its last part,
                # where the export and the garbage collection happen.
                typical = (durations[-1] if durations else args.max_delay_ms / 1000) + (0.04 if "--command" in command else 0)
                if rng.random() < 0.5:
                    delay = rng.uniform(0, typical * 1.1)
                else:
                    delay = rng.uniform(typical * 0.6, typical * 1.05)
                time.sleep(delay)
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    killed = True
                    figures["kills"] += 1
                stdout, stderr = process.communicate(timeout=20)
            # Every run: nothing half-made under a version name.
            try:
                after = exports(export_path)
                check(True, "")
            except AssertionError as error:
                check(False, "after %s run %d: %s" % ("killed" if killed else "finished", iteration, error))
                after = {}
            temps = [n for n in (os.listdir(export_path) if os.path.isdir(export_path) else []) if n.startswith("temp-")]
            if killed and temps:
                figures["temp_left_by_kills"] += 1
            if killed and any(n.startswith("temp-") and not n.startswith("temp-removing-") for n in temps):
                figures["kills_mid_export"] += 1
            # Any run: nothing exported worse than the best that survived,
            # and the best surviving loss never worse than before.
            losses = dict(training.evals)
            surviving_before = min((losses[s] for s, _ in before.values()), default=float("inf"))
            surviving_after = min((losses[s] for s, _ in after.values()), default=float("inf"))
            made = [s for version, (s, _) in after.items() if version not in before]
            worse = [s for s in made if losses[s] > surviving_before]
            figures["worse_exports"] += len(worse)
            check(not worse, "run %d exported %s, worse than the best surviving loss %s"
                  % (iteration, [(s, losses[s]) for s in worse], surviving_before))
            lost = surviving_after > surviving_before
            figures["best_lost"] += 1 if lost else 0
            check(not lost, "run %d: the best surviving loss went from %s to %s (exports before %s, after %s)"
                  % (iteration, surviving_before, surviving_after, sorted(before.values()), sorted(after.values())))
            if killed or not let_finish:
                continue
            figures["over_keep"] += 1 if len(after) > args.keep else 0
            check(len(after) <= args.keep, "run %d finished with %d exports, more than --keep %d"
                  % (iteration, len(after), args.keep))
            # A finished run: cleaned up, the specified decision, the best kept.
            figures["temp_cleaned"] += len(temp_before)
            check(not temps, "run %d finished but left %s" % (iteration, temps))
            lines = [l for l in stdout.decode().splitlines() if l.startswith("{")]
            check(len(lines) >= 1, "run %d printed no decision: %s" % (iteration, stderr.decode()[-500:]))
            if not lines:
                continue
            decision = json.loads(lines[0])
            if os.environ.get("KILL_LOOP_VERBOSE"):
                print("run %d (%s): %s step %s: %s | before %s after %s" % (
                    iteration, "watch" if watch else "export", decision["exported"], decision["global_step"],
                    decision.get("reason"), sorted(s for s, _ in before.values()), sorted(s for s, _ in after.values())))
            exported, step = expected_decision(training, before)
            figures["exported" if decision["exported"] else "declined"] += 1
            check(decision["exported"] == exported and decision["global_step"] == step,
                  "run %d: decided %s step %s (%s), the rule says %s step %s; exports before: %s; evals: %s"
                  % (iteration, decision["exported"], decision["global_step"], decision.get("reason"), exported,
                     step, sorted(before.values()), training.evals[-5:]))
            # An export of the best: of its step, or of a later evaluation
            # just as good, whenever the best's checkpoint survives.
            best_step, best_loss = training.best()
            if best_step in training.checkpoints:
                check(any(losses[s] == best_loss for s, _ in after.values()),
                      "run %d: no export of the best (step %d) after the run: %s" % (iteration, best_step, sorted(after.values())))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if shm:
            shutil.rmtree(shm, ignore_errors=True)
    print("kill loop: %(iterations)d iterations, %(runs)d runs (%(export_runs)d export, %(watch_runs)d watch), "
          "%(kills)d SIGKILLs (%(kills_mid_export)d mid-export), %(finished)d runs finished; %(temp_left_by_kills)d kills "
          "left temp-* directories (every finished run found none left); finished runs exported %(exported)d, "
          "declined %(declined)d; exports worse than the best surviving: %(worse_exports)d; best surviving loss lost: "
          "%(best_lost)d; finished with more than --keep: %(over_keep)d; checks %(checks)d, failed %(failures)d" % figures)
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
