#!/usr/bin/env python3
"""PyTorch peer of `trainer bench-train`: the same CNN-DBLSTM (built from the model config the
trainer prints with `bench-train --print-model`), the same batch (B lines of 32 x W pixels, the
same text lengths), the same step (log-softmax, CTC with mean reduction, backward, gradient-norm
clipping at 5, Adam at lr 1e-4), timed the same way (median of the steps after two warm-ups).

    python3 bench_train_torch.py MODEL.json --threads 1 --steps 10
prints {"ms_per_step", "lines_per_s", "width", "batch", "threads"} as JSON.
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn


def conv_block(layers, c_in, c_out, kernel):
    layers += [nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2), nn.BatchNorm2d(c_out), nn.ReLU()]


class CnnDblstm(nn.Module):
    """inkline's CNN-DBLSTM: conv blocks (conv + BatchNorm + ReLU) and max pools, a Conv1x1
    projection to D features, two bidirectional LSTM layers and the IP layer."""

    def __init__(self, cfg):
        super().__init__()
        layers, c = [], 1
        for spec in cfg["cnn"]:
            (kind, value), = spec.items()
            if kind == "conv3x3":
                conv_block(layers, c, value, 3)
                c = value
            elif kind == "conv1x1":
                conv_block(layers, c, value, 1)
                c = value
            elif kind == "tucker":
                layers += [nn.Conv2d(c, value["r1"], 1, bias=False),
                           nn.Conv2d(value["r1"], value["r2"], 3, padding=1, bias=False),
                           nn.Conv2d(value["r2"], value["out"], 1),
                           nn.BatchNorm2d(value["out"]), nn.ReLU()]
                c = value["out"]
            elif kind == "pool":
                layers.append(nn.MaxPool2d(tuple(value)))
            else:
                raise ValueError(f"unknown layer {spec}")
        self.cnn = nn.Sequential(*layers)
        d, h = cfg["feature_dim"], cfg["lstm_hidden"]
        self.proj = nn.Conv2d(c, d, 1)
        self.lstm1 = nn.LSTM(d, h, bidirectional=True, batch_first=True)
        self.lstm2 = nn.LSTM(2 * h, h, bidirectional=True, batch_first=True)
        self.ip = nn.Linear(2 * h, cfg["num_classes"])

    def forward(self, x):
        x = self.proj(self.cnn(x))  # [B, D, 1, T]
        x = x.squeeze(2).transpose(1, 2)  # [B, T, D]
        x, _ = self.lstm1(x)
        x, _ = self.lstm2(x)
        return self.ip(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", help="JSON of `trainer bench-train --print-model`")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    spec = json.load(open(args.model))
    cfg, width, lengths = spec["config"], spec["width"], spec["text_lengths"][: args.batch]
    model = CnnDblstm(cfg)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    ctc = nn.CTCLoss(blank=0, reduction="mean", zero_infinity=True)
    x = torch.rand(args.batch, 1, cfg["input_height"], width)
    stride = 1
    for s in cfg["cnn"]:
        if "pool" in s:
            stride *= s["pool"][1]
    frames = torch.full((args.batch,), width // stride, dtype=torch.long)
    target_lengths = torch.tensor(lengths, dtype=torch.long)
    targets = torch.randint(1, cfg["num_classes"], (int(target_lengths.sum()),), dtype=torch.long)
    times = []
    for i in range(args.steps + 2):
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        lp = torch.log_softmax(model(x), 2).transpose(0, 1)
        loss = ctc(lp, targets, frames, target_lengths)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        if i >= 2:
            times.append((time.perf_counter() - start) * 1000.0)
    ms = statistics.median(times)
    print(json.dumps({"ms_per_step": ms, "lines_per_s": args.batch * 1000.0 / ms, "width": width,
                      "batch": args.batch, "threads": args.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
