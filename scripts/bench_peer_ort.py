"""Native half of the peer benchmark (scripts/bench-peer.sh): ONNX Runtime, one thread, on the
network inputs that `trainer export --inputs` wrote, against inkline's own `trainer eval` on the
same lines, in interleaved rounds, over all lines and apart for short (input under 650 px) and
long (over 1000 px) ones. Checks that ONNX Runtime reads the same text as inkline. Then splits
each one's network time by stage: inkline's `trainer eval --stages`, ONNX Runtime's own profile
(per node, summed by the stage the node belongs to). Names the CPU and inkline's vector path.

    python bench_peer_ort.py MODEL.onnx INPUTS_DIR TRAINER MODEL.inkline DATA_DIR [--rounds N]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

SHORT, LONG = 650, 1000


def cpu_name():
    """The CPU's model name, family/model numbers and widest vector extension (Linux), or the
    platform's word for it: virtual machines often hide the name ("Intel Xeon Processor")."""
    info = {}
    try:
        for row in open("/proc/cpuinfo", encoding="utf-8"):
            if ":" in row:
                k, v = (x.strip() for x in row.split(":", 1))
                info.setdefault(k, v)
    except OSError:
        pass
    if "model name" not in info:
        import platform
        return platform.processor() or platform.machine()
    flags = info.get("flags", "").split()
    widest = next((f for f in ("avx512f", "avx2", "sse4_2") if f in flags), "")
    return (f"{info['model name']} (family {info.get('cpu family', '?')} model "
            f"{info.get('model', '?')}, {widest}{', fma' if 'fma' in flags else ''}, "
            f"{os.cpu_count()} logical CPUs)")


def session(path, profile=False):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    if profile:
        so.enable_profiling = True
        so.profile_file_prefix = os.path.join(tempfile.gettempdir(), "inkline-ort-profile")
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def subset(data, names, into):
    """A dataset folder holding the samples of `data` named in `names` (links to the images)."""
    os.makedirs(into, exist_ok=True)
    rows = [r for r in open(f"{data}/gt.tsv", encoding="utf-8") if r.split("\t", 1)[0] in names]
    for r in rows:
        f = r.split("\t", 1)[0]
        dst = os.path.join(into, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst):
            os.symlink(os.path.abspath(os.path.join(data, f)), dst)
    with open(f"{into}/gt.tsv", "w", encoding="utf-8") as out:
        out.writelines(rows)
    return into


def ort_stages(onnx_path, lines):
    """ONNX Runtime's kernel time per line by inkline's stages, from its profile over `lines`
    (after one warm-up pass)."""
    s = session(onnx_path, profile=True)
    for x, f, _ in lines:
        s.run(None, {"image": x, "frames": f})
    s.end_profiling()
    s = session(onnx_path, profile=True)
    for x, f, _ in lines:
        s.run(None, {"image": x, "frames": f})
    path = s.end_profiling()
    events = json.load(open(path, encoding="utf-8"))
    os.remove(path)
    nodes = [e for e in events if e.get("cat") == "Node" and e["name"].endswith("_kernel_time")]
    convs = [e["name"] for e in nodes if e["args"]["op_name"] == "Conv"]
    # The last convolution of each run is the Conv1x1 projection to features.
    per_run = len(convs) // len(lines)
    projection = set(convs[per_run - 1::per_run])
    stages = {}
    for e in nodes:
        op = e["args"]["op_name"]
        if e["name"] in projection:
            stage = "features"
        elif op in ("Conv", "ReorderInput", "ReorderOutput"):
            stage = "convolution"
        elif op == "MaxPool":
            stage = "pooling"
        elif op == "LSTM":
            stage = "lstm (input + recurrence)"
        elif op in ("MatMul", "Add", "Gemm", "LogSoftmax", "Softmax"):
            stage = "output"
        else:
            stage = "other (reshapes, transposes)"
        stages[stage] = stages.get(stage, 0.0) + e["dur"] / 1000 / len(lines)
    return stages


def main():
    onnx_path, inputs, trainer, model, data = sys.argv[1:6]
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m, full_check=True)
    charset = {p.key: p.value for p in m.metadata_props}["charset"]
    sess = session(onnx_path)
    lines, widths = [], {}
    names = [r.split("\t", 1)[0] for r in open(f"{data}/gt.tsv", encoding="utf-8")]
    for row in open(f"{inputs}/lines.tsv", encoding="utf-8"):
        f, h, w, frames, text = row.rstrip("\n").split("\t", 4)
        x = np.fromfile(f"{inputs}/{f}", dtype="<f4").reshape(1, 1, int(h), int(w))
        lines.append((x, np.array([int(frames)], dtype=np.int32), text))
        widths[names[int(f.split(".")[0])]] = int(w)

    def read(x, frames):
        best = sess.run(None, {"image": x, "frames": frames})[0][0].argmax(-1)
        out, prev = [], -1
        for c in best:
            if c != prev and c != 0:
                out.append(charset[c - 1])
            prev = c
        return "".join(out)

    same = sum(read(x, f) == text for x, f, text in lines)
    tmp = tempfile.mkdtemp(prefix="inkline-peer-")
    # Only single-line images have exported inputs: every set holds those alone.
    sets = {
        "all": (lambda w: True),
        f"short (< {SHORT} px)": (lambda w: w < SHORT),
        f"long (> {LONG} px)": (lambda w: w > LONG),
    }
    groups = {}
    for name, keep in sets.items():
        picked = {n for n, w in widths.items() if keep(w)}
        if picked:
            idx = [i for i, (x, _, _) in enumerate(lines) if keep(x.shape[3])]
            groups[name] = (subset(data, picked, os.path.join(tmp, str(len(groups)))), idx)
    times = {g: {"ort": [], "ink": [], "net": []} for g in groups}

    def eval_json(folder, *extra):
        out = subprocess.run(
            [trainer, "--threads", "1", "eval", "--json", "--model", model, "--data", folder, *extra],
            check=True, capture_output=True, text=True, env={**os.environ, "RAYON_NUM_THREADS": "1"},
        ).stdout
        return json.loads(out)

    for _ in range(rounds):
        for g, (folder, idx) in groups.items():
            t = time.perf_counter()
            for i in idx:
                read(lines[i][0], lines[i][1])
            times[g]["ort"].append((time.perf_counter() - t) * 1000 / len(idx))
            j = eval_json(folder)
            times[g]["ink"].append(j["ms_per_line"])
            times[g]["net"].append(j["inference_ms_per_line"])
    med = lambda xs: sorted(xs)[len(xs) // 2]
    staged = eval_json(groups["all"][0], "--stages")
    print(json.dumps({
        "lines": len(lines), "same_text": same, "rounds": rounds,
        "cpu": cpu_name(), "kernels": staged["kernels"],
        "onnxruntime": ort.__version__,
        "ort_ms_per_line": med(times["all"]["ort"]),
        "inkline_ms_per_line": med(times["all"]["ink"]),
        "inkline_network_ms_per_line": med(times["all"]["net"]),
        "groups": {g: {"lines": len(groups[g][1]), **{k: med(v) for k, v in t.items()}}
                   for g, t in times.items()},
        "inkline_stages": staged["stages_ms_per_line"],
        "ort_stages": ort_stages(onnx_path, lines),
    }))


if __name__ == "__main__":
    main()
