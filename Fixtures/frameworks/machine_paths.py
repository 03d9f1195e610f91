"""What the fixture generators share about machine paths: no fixture may
name a path of the machine that made it (a user's clone has none of them).

The markers are derived from where the generator runs, not written down:
the repository's absolute path, the home directory and the temporary
directory of this machine.
"""
import os
import tempfile

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def markers():
    """This machine's absolute paths a fixture file must not contain."""
    paths = {REPOSITORY, os.path.expanduser("~"), tempfile.gettempdir()}
    return sorted(p.encode() for p in paths if p and p != "/")


def files_naming_machine_paths(root):
    """Files under `root` holding one of the markers, relative to `root`."""
    found = []
    needles = markers()
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            with open(path, "rb") as handle:
                data = handle.read()
            if any(needle in data for needle in needles):
                found.append(os.path.relpath(path, root))
    return sorted(found)


def report(root):
    """Prints the files naming machine paths under `root`, or that there are none."""
    found = files_naming_machine_paths(root)
    if found:
        print("WARNING: machine paths found:\n  " + "\n  ".join(found))
    else:
        print("no machine paths in any fixture file")
    return found


def scrub(case_dir, names):
    """Rewrites the files called one of `names` under `case_dir` with the
    case directory's absolute prefix removed (paths become relative)."""
    prefix = os.path.abspath(case_dir) + "/"
    for directory, _, files in os.walk(case_dir):
        for name in files:
            if name not in names:
                continue
            path = os.path.join(directory, name)
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            if prefix in text:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(text.replace(prefix, ""))
