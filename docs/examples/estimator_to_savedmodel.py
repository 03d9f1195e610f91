#!/usr/bin/env python3
"""Write a serving SavedModel from an Estimator (TF1 graph) checkpoint.

Meant as the --command of `tfevents export` / `tfevents watch`:

    tfevents export model_dir --command 'python3 docs/examples/estimator_to_savedmodel.py \
        --checkpoint {checkpoint} --export-dir {export_dir} --as-text {as_text} \
        --input features=IteratorGetNext:0 --output logits=dnn/logits/BiasAdd:0'

The graph comes from the checkpoint's own `<prefix>.meta` file (Estimator
writes one beside every checkpoint), the variables from the checkpoint;
no model code is needed. Serving needs a signature: name the tensors a
request feeds (`--input NAME=TENSOR`, repeatable) and the tensors it returns
(`--output NAME=TENSOR`). Any tensor of the graph can be fed, including the
output of the input pipeline (`IteratorGetNext:0`). `--list` prints the
graph's candidate tensors and exits.

Needs TensorFlow 2.x (its tf.compat.v1 API). Exits non-zero with a message
when the checkpoint, a tensor or the export fails: the export is then
abandoned and nothing is left behind.
"""
import argparse
import os
import sys


def pairs(values, flag):
    result = {}
    for value in values:
        name, sep, tensor = value.partition("=")
        if not sep or not name or not tensor:
            sys.exit(f"{flag} takes NAME=TENSOR, got {value!r}")
        result[name] = tensor if ":" in tensor else tensor + ":0"
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, help="checkpoint prefix (model_dir/model.ckpt-N)")
    parser.add_argument("--export-dir", help="empty directory to write the SavedModel into")
    parser.add_argument("--as-text", default="false", help="true: saved_model.pbtxt")
    parser.add_argument("--input", action="append", default=[], metavar="NAME=TENSOR")
    parser.add_argument("--output", action="append", default=[], metavar="NAME=TENSOR")
    parser.add_argument("--list", action="store_true", help="print candidate tensors and exit")
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    tf1 = tf.compat.v1

    meta = args.checkpoint + ".meta"
    if not os.path.exists(meta):
        sys.exit(f"{meta}: no such file (Estimator writes a .meta beside each checkpoint)")
    graph = tf.Graph()
    with graph.as_default():
        saver = tf1.train.import_meta_graph(meta, clear_devices=True)
        if args.list:
            for op in graph.get_operations():
                if op.type in ("Placeholder", "IteratorGetNext", "BiasAdd", "Softmax", "Sigmoid", "ArgMax"):
                    for tensor in op.outputs:
                        print(tensor.name, tensor.dtype.name, tensor.shape)
            return
        if not args.export_dir or not args.input or not args.output:
            sys.exit("--export-dir, --input and --output are required (see --list)")
        try:
            inputs = {k: graph.get_tensor_by_name(v) for k, v in pairs(args.input, "--input").items()}
            outputs = {k: graph.get_tensor_by_name(v) for k, v in pairs(args.output, "--output").items()}
        except (KeyError, ValueError) as error:
            sys.exit(f"{meta}: {error}")
        with tf1.Session(graph=graph) as session:
            saver.restore(session, args.checkpoint)
            builder = tf1.saved_model.Builder(args.export_dir)
            signature = tf1.saved_model.predict_signature_def(inputs, outputs)
            builder.add_meta_graph_and_variables(
                session, [tf1.saved_model.tag_constants.SERVING],
                signature_def_map={"serving_default": signature}, strip_default_attrs=True)
            builder.save(as_text=args.as_text.lower() == "true")


if __name__ == "__main__":
    main()
