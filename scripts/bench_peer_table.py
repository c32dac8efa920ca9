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
b = json.load(open(browser))
truths = b["truths"]
print(f"{model}, {n['lines']} {style} test lines, one thread each, medians of {n['rounds']} interleaved rounds\n")
print("| | inkline | peer | inkline / peer |\n|---|---:|---:|---:|")
print(f"| native, ms/line | {n['inkline_ms_per_line']:.2f} | ONNX Runtime {n['onnxruntime']}: {n['ort_ms_per_line']:.2f} | {n['inkline_ms_per_line'] / n['ort_ms_per_line']:.2f} |")
print(f"| Chromium, wasm SIMD, ms/line | {b['ms']['inkline']:.2f} | onnxruntime-web {b['ortVersion']}: {b['ms']['ort']:.2f} | {b['ms']['inkline'] / b['ms']['ort']:.2f} |")
print(f"| Chromium, ms/line | {b['ms']['inkline']:.2f} | tesseract.js (PSM 7): {b['ms']['tesseract']:.2f} | {b['ms']['inkline'] / b['ms']['tesseract']:.2f} |")
print(f"| native, network only, ms/line | {n['inkline_network_ms_per_line']:.2f} | ONNX Runtime: {n['ort_ms_per_line']:.2f} | {n['inkline_network_ms_per_line'] / n['ort_ms_per_line']:.2f} |")
print(f"| Chromium, network only, ms/line | {b['inklineNetworkMs']:.2f} | onnxruntime-web: {b['ms']['ort']:.2f} | {b['inklineNetworkMs'] / b['ms']['ort']:.2f} |")
print()
print(f"same text as inkline: ONNX Runtime {n['same_text']}/{n['lines']}, onnxruntime-web {b['sameOrt']}/{b['lines']}")
print(f"CER on these lines: inkline {cer(b['texts']['inkline'], truths):.2f}%, tesseract.js {cer(b['texts']['tesseract'], truths):.2f}%")
print("(inkline's time is its whole recognize(): preprocessing, network and decoding, and its")
print("network-only rows its own inference timing; the ONNX runtimes' is the network and")
print("best-path decoding on inputs inkline prepared.)")
