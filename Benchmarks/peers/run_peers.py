"""Times the STU-Net forward pass on the peers that are installed (PyTorch eager, ONNX Runtime,
OpenVINO) on the same variant and input size stunetc's benchmark uses, and prints one JSON object
per peer: {"peer", "variant", "shape", "median_s", "runs", "peak_rss_mb"}.

Install the peers (optional):  pip install torch onnx onnxruntime openvino
Usage: python3 Benchmarks/peers/run_peers.py --variant S --size 128 --runs 3 --threads 2
"""
import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", default="S")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--peers", default="torch,onnxruntime,openvino")
    args = parser.parse_args()
    try:
        import numpy as np
        import torch
    except ImportError:
        print(json.dumps({"peer": "torch", "skipped": "PyTorch is not installed (pip install torch)"}))
        return
    from stunet_torch import preset

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = preset(args.variant).eval()
    shape = [1, 1, args.size, args.size, args.size]
    x = torch.randn(*shape)
    wanted = args.peers.split(",")
    if "torch" in wanted:
        with torch.inference_mode():
            median, times = timed(lambda: model(x), args.runs)
        print(json.dumps({"peer": "pytorch-eager", "variant": args.variant, "shape": shape, "median_s": median,
                          "runs": times, "peak_rss_mb": rss_mb()}), flush=True)
    onnx_path = os.path.join(tempfile.gettempdir(), f"stunet_{args.variant}_{args.size}.onnx")
    if "onnxruntime" in wanted or "openvino" in wanted:
        try:
            torch.onnx.export(model, x, onnx_path, opset_version=17, input_names=["input"], output_names=["logits"])
        except Exception as error:  # noqa: BLE001 - report and go on
            print(json.dumps({"peer": "onnx-export", "skipped": str(error)}))
            return
    if "onnxruntime" in wanted:
        try:
            import onnxruntime as ort
            options = ort.SessionOptions()
            options.intra_op_num_threads = args.threads
            session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
            feed = {"input": x.numpy()}
            median, times = timed(lambda: session.run(None, feed), args.runs)
            print(json.dumps({"peer": "onnxruntime", "variant": args.variant, "shape": shape, "median_s": median,
                              "runs": times, "peak_rss_mb": rss_mb()}), flush=True)
        except ImportError:
            print(json.dumps({"peer": "onnxruntime", "skipped": "not installed (pip install onnxruntime)"}))
    if "openvino" in wanted:
        try:
            import openvino as ov
            core = ov.Core()
            compiled = core.compile_model(onnx_path, "CPU", {"INFERENCE_NUM_THREADS": args.threads})
            feed = x.numpy()
            median, times = timed(lambda: compiled(feed), args.runs)
            print(json.dumps({"peer": "openvino", "variant": args.variant, "shape": shape, "median_s": median,
                              "runs": times, "peak_rss_mb": rss_mb()}), flush=True)
        except ImportError:
            print(json.dumps({"peer": "openvino", "skipped": "not installed (pip install openvino)"}))


if __name__ == "__main__":
    main()
