"""Times the STU-Net forward pass on the peers that are installed (PyTorch eager, ONNX Runtime,
OpenVINO) on the same model and input stunetc's benchmark uses. Each peer runs in its own Python
process (so each peak RSS is the peer's own, and one peer's threads or allocator cannot disturb the
next); the ONNX file the last two need is exported by a separate process too. Prints one JSON
object per line:
  {"peer", "version", "median_s", "min_s", "runs": [...], "peak_rss_bytes", "threads", "load", "shape"}
or {"peer", "skipped": reason}.

Install the peers (optional, CPU wheels from PyPI):  pip install torch onnx onnxruntime openvino
Usage:  python3 Benchmarks/peers/run_peers.py --variant S --input-shape 1,1,128,128,128 --runs 3 --threads 2
Optional tooling: never needed to build, test or run stunetc.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = ["torch", "onnxruntime", "openvino"]


def model_arguments(parser):
    parser.add_argument("--variant", default=None, help="S, B, L or H (default S when no --widths)")
    parser.add_argument("--widths", default=None, help="custom widths W0,..,W5")
    parser.add_argument("--depths", default=None, help="custom depths D0,..,D5")
    parser.add_argument("--strides", default=None, help="'2', '2,2,2' or 'a,b,c:d,e,f:...' as in stunetc")
    parser.add_argument("--kernels", default=None, help="one kernel size for all stages ('3' or '3,3,3')")
    parser.add_argument("--classes", type=int, default=None)
    parser.add_argument("--input-channels", type=int, default=None)
    parser.add_argument("--input-shape", default=None, help="N,C,D,H,W (default 1,C,128,128,128)")
    parser.add_argument("--size", type=int, default=None, help="cubic input edge (instead of --input-shape)")


def per_stage(spec, count):
    groups = [[int(v) for v in group.split(",")] for group in spec.split(":")]
    triples = [g * 3 if len(g) == 1 else g for g in groups]
    return triples * count if len(triples) == 1 else triples


def build_model(args):
    from stunet_torch import PRESETS, TOTALSEG_STRIDES, STUNet
    widths, depths = PRESETS[args.variant or "S"]
    if args.widths:
        widths = [int(v) for v in args.widths.split(",")]
        depths = [1] * len(widths)
    if args.depths:
        depths = [int(v) for v in args.depths.split(",")]
    strides = per_stage(args.strides, len(widths) - 1) if args.strides else TOTALSEG_STRIDES
    kernel = (3, 3, 3)
    if args.kernels:
        kernels = per_stage(args.kernels, len(widths))
        if any(k != kernels[0] for k in kernels):
            raise SystemExit("run_peers.py: per-stage kernel sizes are not supported by stunet_torch.py")
        kernel = tuple(kernels[0])
    return STUNet(widths, depths, strides=strides, classes=args.classes or 105,
                  in_channels=args.input_channels or 1, kernel=kernel)


def input_shape(args):
    if args.input_shape:
        return [int(v) for v in args.input_shape.split(",")]
    edge = args.size or 128
    return [1, args.input_channels or 1, edge, edge, edge]


def timed(fn, runs, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def report(peer, version, times, threads, shape, details=""):
    # ru_maxrss is in KiB on Linux.
    print(json.dumps({
        "peer": peer, "version": version, "median_s": statistics.median(times), "min_s": min(times), "runs": times,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "threads": threads,
        "load": list(os.getloadavg()), "shape": shape, "details": details}), flush=True)


def seeded_model_and_input(args):
    import torch
    torch.manual_seed(0)
    model = build_model(args).eval()
    x = torch.randn(*input_shape(args))
    return model, x


def run_torch(args):
    import torch
    torch.set_num_threads(args.threads)
    model, x = seeded_model_and_input(args)
    with torch.inference_mode():
        times = timed(lambda: model(x), args.runs, args.warmup)
    report("pytorch-eager", torch.__version__, times, args.threads, list(x.shape),
           f"inference_mode, {torch.get_num_threads()} threads")


def export_onnx(args, path):
    import warnings
    import torch
    # The legacy exporter handles this network; its deprecation notice and the note that instance
    # norm uses the input's statistics (as it must) are expected.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*instance_norm.*")
    torch.set_num_threads(args.threads)
    model, x = seeded_model_and_input(args)
    kwargs = {"opset_version": 17, "input_names": ["input"], "output_names": ["logits"]}
    try:
        torch.onnx.export(model, x, path, dynamo=False, **kwargs)
    except TypeError:  # older torch without the dynamo switch
        torch.onnx.export(model, x, path, **kwargs)
    import numpy as np
    np.save(path + ".input.npy", x.numpy())


def run_onnxruntime(args, path):
    import numpy as np
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    x = np.load(path + ".input.npy")
    times = timed(lambda: session.run(None, {"input": x}), args.runs, args.warmup)
    report("onnxruntime", ort.__version__, times, args.threads, list(x.shape),
           "CPUExecutionProvider, graph optimisation level " + str(options.graph_optimization_level).split(".")[-1])


def run_openvino(args, path):
    import numpy as np
    import openvino as ov
    core = ov.Core()
    # fp32 like the other peers and stunetc: on CPUs with bf16 arithmetic (e.g. Sapphire Rapids)
    # OpenVINO's default hint is bf16. STUNET_OPENVINO_PRECISION=bf16 measures that instead.
    precision_hint = os.environ.get("STUNET_OPENVINO_PRECISION", "f32")
    compiled = core.compile_model(
        path, "CPU", {"INFERENCE_NUM_THREADS": args.threads, "INFERENCE_PRECISION_HINT": precision_hint})
    x = np.load(path + ".input.npy")
    times = timed(lambda: compiled(x), args.runs, args.warmup)
    precision = compiled.get_property("INFERENCE_PRECISION_HINT")
    report("openvino", ov.__version__.split("-")[0], times, args.threads, list(x.shape),
           f"inference precision {precision}")


def wait_for_quiet(max_load, limit_s=900):
    """Waits (at most limit_s) until the 1-minute load average is below max_load (0: no wait)."""
    if not max_load:
        return
    waited = 0
    while os.getloadavg()[0] >= max_load and waited < limit_s:
        time.sleep(10)
        waited += 10
    if waited:
        print(f"run_peers.py: waited {waited} s for the load to fall below {max_load} "
              f"(now {os.getloadavg()[0]:.2f})", file=sys.stderr, flush=True)


def installed(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def child_command(args, role, extra=()):
    command = [sys.executable, os.path.abspath(__file__), "--role", role, "--runs", str(args.runs),
               "--warmup", str(args.warmup), "--threads", str(args.threads)]
    for name in ["variant", "widths", "depths", "strides", "kernels", "classes", "input_channels", "input_shape", "size"]:
        value = getattr(args, name)
        if value is not None:
            command += ["--" + name.replace("_", "-"), str(value)]
    return command + list(extra)


def run_child(command, peer):
    """Runs one peer process; passes its JSON line through, or reports why it failed."""
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        print(json.dumps({"peer": peer, "skipped": f"failed with exit status {result.returncode} (see the messages above)"}),
              flush=True)
        return False
    for line in lines:
        print(line, flush=True)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    model_arguments(parser)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated subset of " + ",".join(PEERS))
    parser.add_argument("--max-load", type=float, default=0,
                        help="before each peer, wait (up to 15 min) for the 1-minute load average to fall below this")
    parser.add_argument("--role", default="driver", help=argparse.SUPPRESS)
    parser.add_argument("--onnx", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, HERE)

    if args.role == "torch":
        return run_torch(args)
    if args.role == "export":
        return export_onnx(args, args.onnx)
    if args.role == "onnxruntime":
        return run_onnxruntime(args, args.onnx)
    if args.role == "openvino":
        return run_openvino(args, args.onnx)

    wanted = [peer for peer in args.peers.split(",") if peer]
    for peer in wanted:
        if peer not in PEERS:
            raise SystemExit(f"run_peers.py: unknown peer '{peer}' (choose from {', '.join(PEERS)})")
    if not installed("torch"):
        for peer in wanted:
            print(json.dumps({"peer": peer, "skipped": "needs PyTorch for the reference network (pip install torch)"}))
        return
    if "torch" in wanted:
        wait_for_quiet(args.max_load)
        run_child(child_command(args, "torch"), "pytorch-eager")
    onnx_peers = [peer for peer in wanted if peer != "torch"]
    for peer in list(onnx_peers):
        if not installed(peer):
            print(json.dumps({"peer": peer, "skipped": f"not installed (pip install {peer})"}), flush=True)
            onnx_peers.remove(peer)
    if not onnx_peers:
        return
    if not installed("onnx"):
        for peer in onnx_peers:
            print(json.dumps({"peer": peer, "skipped": "the ONNX export needs the onnx package (pip install onnx)"}))
        return
    with tempfile.TemporaryDirectory(prefix="stunet-peers-") as directory:
        path = os.path.join(directory, "stunet.onnx")
        if subprocess.run(child_command(args, "export", ["--onnx", path])).returncode != 0:
            for peer in onnx_peers:
                print(json.dumps({"peer": peer, "skipped": "the ONNX export failed (see the messages above)"}))
            return
        for peer in onnx_peers:
            wait_for_quiet(args.max_load)
            run_child(child_command(args, peer, ["--onnx", path]), peer)


if __name__ == "__main__":
    main()
