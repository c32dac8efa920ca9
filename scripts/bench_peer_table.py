"""Prints the peer benchmark's table (scripts/bench-peer.sh) from its two JSON results."""
import json
import sys


def cer(hyps, refs):
    """Character error rate in percent: edit distance over reference length, summed."""
    edits = total = 0
    for h, r in zip(hyps, refs):
        prev = list(range(len(h) + 1))
        for i, rc in enumerate(r, 1):
            cur = [i] + [0] * len(h)
            for j, hc in enumerate(h, 1):
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rc != hc))
            prev = cur
        edits += prev[-1]
        total += len(r)
    return 100 * edits / max(total, 1)


native, browser, model, style = sys.argv[1:5]
n = json.load(open(native))
import os
b = json.load(open(browser)) if os.path.exists(browser) else None
print(f"{model}, {n['lines']} {style} test lines, one thread each, medians of {n['rounds']} interleaved rounds")
print(f"CPU: {n['cpu']}; inkline's kernels: {n['kernels']}\n")
print("| | inkline | peer | inkline / peer |\n|---|---:|---:|---:|")
print(f"| native, ms/line | {n['inkline_ms_per_line']:.2f} | ONNX Runtime {n['onnxruntime']}: {n['ort_ms_per_line']:.2f} | {n['inkline_ms_per_line'] / n['ort_ms_per_line']:.2f} |")
if b:
    print(f"| Chromium, wasm SIMD, ms/line | {b['ms']['inkline']:.2f} | onnxruntime-web {b['ortVersion']}: {b['ms']['ort']:.2f} | {b['ms']['inkline'] / b['ms']['ort']:.2f} |")
    print(f"| Chromium, ms/line | {b['ms']['inkline']:.2f} | tesseract.js (PSM 7): {b['ms']['tesseract']:.2f} | {b['ms']['inkline'] / b['ms']['tesseract']:.2f} |")
print(f"| native, network only, ms/line | {n['inkline_network_ms_per_line']:.2f} | ONNX Runtime: {n['ort_ms_per_line']:.2f} | {n['inkline_network_ms_per_line'] / n['ort_ms_per_line']:.2f} |")
if b:
    print(f"| Chromium, network only, ms/line | {b['inklineNetworkMs']:.2f} | onnxruntime-web: {b['ms']['ort']:.2f} | {b['inklineNetworkMs'] / b['ms']['ort']:.2f} |")
for g, t in n["groups"].items():
    if g != "all":
        print(f"| native, network only, {g}, {t['lines']} lines | {t['net']:.2f} | ONNX Runtime: {t['ort']:.2f} | {t['net'] / t['ort']:.2f} |")
print()
print("Network time by stage, native, ms/line (inkline: `trainer eval --stages`; ONNX Runtime: its")
print("profile, kernel times summed by the stage of each node; its LSTM op holds both the input")
print("projections and the recurrence):\n")
print("| stage | inkline | ONNX Runtime |\n|---|---:|---:|")
ink, peer = n["inkline_stages"], n["ort_stages"]
lstm = ink.get("lstm_input", 0) + ink.get("recurrence", 0)
for stage in ["convolution", "pooling", "features"]:
    print(f"| {stage} | {ink.get(stage, 0):.3f} | {peer.get(stage, 0):.3f} |")
print(f"| lstm (input + recurrence) | {lstm:.3f} | {peer.get('lstm (input + recurrence)', 0):.3f} |")
print(f"| - lstm input projections | {ink.get('lstm_input', 0):.3f} | |")
print(f"| - recurrence | {ink.get('recurrence', 0):.3f} | |")
print(f"| output | {ink.get('output', 0):.3f} | {peer.get('output', 0):.3f} |")
print(f"| other (reshapes, transposes) | | {peer.get('other (reshapes, transposes)', 0):.3f} |")
print(f"| total | {sum(ink.values()):.3f} | {sum(peer.values()):.3f} |")
print()
if b:
    truths = b["truths"]
    print(f"same text as inkline: ONNX Runtime {n['same_text']}/{n['lines']}, onnxruntime-web {b['sameOrt']}/{b['lines']}")
    print(f"CER on these lines: inkline {cer(b['texts']['inkline'], truths):.2f}%, tesseract.js {cer(b['texts']['tesseract'], truths):.2f}%")
else:
    print(f"same text as inkline: ONNX Runtime {n['same_text']}/{n['lines']} (Chromium not run: NATIVE_ONLY)")
print("(inkline's time is its whole recognize(): preprocessing, network and decoding, and its")
print("network-only rows its own inference timing; the ONNX runtimes' is the network and")
print("best-path decoding on inputs inkline prepared.)")
