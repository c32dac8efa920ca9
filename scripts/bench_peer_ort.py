"""Native half of the peer benchmark (scripts/bench-peer.sh): ONNX Runtime, one thread, on the
network inputs that `trainer export --inputs` wrote, against inkline's own `trainer eval` on the
same lines, in interleaved rounds. Checks that ONNX Runtime reads the same text as inkline.

    python bench_peer_ort.py MODEL.onnx INPUTS_DIR TRAINER MODEL.inkline DATA_DIR [--rounds N]
"""
import json
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort


def main():
    onnx_path, inputs, trainer, model, data = sys.argv[1:6]
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m, full_check=True)
    charset = {p.key: p.value for p in m.metadata_props}["charset"]
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    session = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    lines = []
    for row in open(f"{inputs}/lines.tsv", encoding="utf-8"):
        f, h, w, frames, text = row.rstrip("\n").split("\t", 4)
        x = np.fromfile(f"{inputs}/{f}", dtype="<f4").reshape(1, 1, int(h), int(w))
        lines.append((x, np.array([int(frames)], dtype=np.int32), text))

    def read(x, frames):
        best = session.run(None, {"image": x, "frames": frames})[0][0].argmax(-1)
        out, prev = [], -1
        for c in best:
            if c != prev and c != 0:
                out.append(charset[c - 1])
            prev = c
        return "".join(out)

    same = sum(read(x, f) == text for x, f, text in lines)
    ort_ms, ink_ms, ink_net = [], [], []
    for _ in range(rounds):
        t = time.perf_counter()
        for x, f, _ in lines:
            read(x, f)
        ort_ms.append((time.perf_counter() - t) * 1000 / len(lines))
        out = subprocess.run(
            [trainer, "--threads", "1", "eval", "--json", "--model", model, "--data", data],
            check=True, capture_output=True, text=True, env={"RAYON_NUM_THREADS": "1"},
        ).stdout
        ink_ms.append(json.loads(out)["ms_per_line"])
        ink_net.append(json.loads(out)["inference_ms_per_line"])
    med = lambda xs: sorted(xs)[len(xs) // 2]
    print(json.dumps({
        "lines": len(lines), "same_text": same, "rounds": rounds,
        "onnxruntime": ort.__version__,
        "ort_ms_per_line": med(ort_ms), "inkline_ms_per_line": med(ink_ms),
        "inkline_network_ms_per_line": med(ink_net),
    }))


if __name__ == "__main__":
    main()
