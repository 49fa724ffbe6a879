"""Runs a stunetc AOT bundle from Python with ctypes and NumPy (no stunetc, no LLVM needed).

The model's object file becomes a shared library once (see Docs/aot.md):

    clang -shared DIR/model.o -o DIR/libstunet_model.so
    python3 examples/aot/run_model.py DIR/libstunet_model.so DIR/weights.bin input.npy output.npy [threads]

The weights are memory-mapped, the scratch arena is an aligned NumPy buffer, and the model reports
its own sizes and tensors through stunet_model_describe(). With more than one thread the
parallel-for hook hands tile ranges to a ThreadPoolExecutor; ctypes releases the GIL while a
kernel runs, so the threads really run in parallel.
"""
import ctypes
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np


class TensorDescription(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("element_type", ctypes.c_int64),
        ("rank", ctypes.c_int64),
        ("shape", ctypes.c_int64 * 8),
        ("scratch_offset", ctypes.c_int64),
        ("byte_count", ctypes.c_int64),
    ]


class ModelDescription(ctypes.Structure):
    _fields_ = [
        ("abi_version", ctypes.c_int64),
        ("alignment", ctypes.c_int64),
        ("weights_bytes", ctypes.c_int64),
        ("scratch_bytes", ctypes.c_int64),
        ("input_count", ctypes.c_int64),
        ("output_count", ctypes.c_int64),
        ("inputs", ctypes.POINTER(TensorDescription)),
        ("outputs", ctypes.POINTER(TensorDescription)),
        ("name", ctypes.c_char_p),
        ("fingerprint", ctypes.c_char_p),
        ("metadata", ctypes.c_char_p),
    ]


TASK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)
PARALLEL_FOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p, TASK, ctypes.c_void_p, ctypes.c_int64)


def aligned_zeros(byte_count, alignment):
    """A zero-filled uint8 array of byte_count bytes whose data starts on an alignment boundary."""
    raw = np.zeros(byte_count + alignment, dtype=np.uint8)
    start = (-raw.ctypes.data) % alignment
    return raw[start:start + byte_count]


class Model:
    def __init__(self, library_path, weights_path, threads=1):
        self.library = ctypes.CDLL(library_path)
        self.library.stunet_model_describe.restype = ctypes.POINTER(ModelDescription)
        self.library.stunet_model_run.restype = ctypes.c_int32
        self.library.stunet_model_run.argtypes = [ctypes.c_void_p] * 6
        self.description = self.library.stunet_model_describe().contents
        if self.description.abi_version != 1:
            raise RuntimeError("model ABI %d, this script knows 1" % self.description.abi_version)

        # weights.bin: a header (magic, sizes, fingerprint), then the blob on a 64-byte boundary.
        self.file = np.memmap(weights_path, dtype=np.uint8, mode="r")
        if bytes(self.file[:8]) != b"STUNETWB":
            raise RuntimeError("%s is not a stunetc weights file" % weights_path)
        header_bytes = int.from_bytes(bytes(self.file[16:24]), "little")
        if bytes(self.file[40:56]) != self.description.fingerprint:
            raise RuntimeError("%s belongs to another model" % weights_path)
        self.weights = self.file[header_bytes:]
        if self.weights.size != self.description.weights_bytes:
            raise RuntimeError("%s holds %d bytes of weights, the model needs %d"
                               % (weights_path, self.weights.size, self.description.weights_bytes))
        self.scratch = aligned_zeros(self.description.scratch_bytes, self.description.alignment)

        self.executor = ThreadPoolExecutor(threads) if threads > 1 else None
        self.threads = threads
        self.hook = PARALLEL_FOR(self._parallel_for) if self.executor else None

    def _parallel_for(self, pool, task, task_context, tiles):
        chunk = (tiles + self.threads - 1) // self.threads
        ranges = [(begin, min(begin + chunk, tiles)) for begin in range(0, tiles, chunk)]
        list(self.executor.map(lambda r: task(task_context, r[0], r[1]), ranges))

    def tensors(self, which):
        count = self.description.input_count if which == "inputs" else self.description.output_count
        array = getattr(self.description, which)
        return [array[i] for i in range(count)]

    def run(self, *inputs):
        """Runs the network on float32 arrays of the compiled shapes; returns the outputs."""
        described = self.tensors("inputs")
        if len(inputs) != len(described):
            raise ValueError("the model takes %d input(s)" % len(described))
        arrays = []
        for array, tensor in zip(inputs, described):
            expected = tuple(tensor.shape[:tensor.rank])
            array = np.ascontiguousarray(array, dtype=np.float32)
            if array.shape != expected:
                raise ValueError("input %s has shape %s, the model was compiled for %s"
                                 % (tensor.name.decode(), array.shape, expected))
            arrays.append(array)
        outputs = [np.empty(tuple(t.shape[:t.rank]), dtype=np.float32) for t in self.tensors("outputs")]
        input_pointers = (ctypes.c_void_p * len(arrays))(*[a.ctypes.data for a in arrays])
        output_pointers = (ctypes.c_void_p * len(outputs))(*[o.ctypes.data for o in outputs])
        hook = ctypes.cast(self.hook, ctypes.c_void_p) if self.hook else None
        result = self.library.stunet_model_run(
            self.weights.ctypes.data, input_pointers, output_pointers, self.scratch.ctypes.data, hook, None)
        if result != 0:
            raise RuntimeError("stunet_model_run returned %d" % result)
        return outputs


def main(arguments):
    if len(arguments) < 4:
        print(__doc__)
        return 2
    library, weights, input_path, output_path = arguments[:4]
    threads = int(arguments[4]) if len(arguments) > 4 else 1
    model = Model(library, weights, threads)
    outputs = model.run(np.load(input_path))
    np.save(output_path, outputs[0])
    for index, output in enumerate(outputs[1:], start=1):
        np.save(output_path[:-4] + ".%d.npy" % index, output)
    print("ran %s on %d thread(s); wrote %s" % (model.description.name.decode(), threads, output_path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
