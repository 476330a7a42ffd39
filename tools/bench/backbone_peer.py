"""torchvision peer of Cardinal's backbone benchmark (tools/bench/backbone runs both).

Same protocol as org.cardinal.tools.BackboneBenchmark: random NCHW float32 input, `warmup` untimed
iterations, then `iters` timed ones; forward = eval mode under torch.no_grad() (Cardinal's forward
runs with autograd off too); train = train mode, cross-entropy on the logits, backward into every
parameter (gradients set to None between iterations). Prints/writes JSON with median images/s.
Architectures come from Cardinal's configs/backbones/*.json, built with torchvision's ResNet class.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torchvision
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet


def build(cfg):
    block = Bottleneck if cfg["block"] == "bottleneck" else BasicBlock
    groups = cfg.get("cardinality", 1)
    width = cfg.get("bottleneck_width", 64)
    classes = cfg.get("num_classes", 1000)
    base = cfg.get("base_channels", 64)
    m = ResNet(block, cfg["layers"], num_classes=classes, groups=groups, width_per_group=width)
    if base != 64:  # narrow variant: torchvision's own _make_layer with fewer planes
        m.inplanes = base
        m.conv1 = nn.Conv2d(3, base, 7, 2, 3, bias=False)
        m.bn1 = nn.BatchNorm2d(base)
        m.layer1 = m._make_layer(block, base, cfg["layers"][0])
        m.layer2 = m._make_layer(block, base * 2, cfg["layers"][1], stride=2)
        m.layer3 = m._make_layer(block, base * 4, cfg["layers"][2], stride=2)
        m.layer4 = m._make_layer(block, base * 8, cfg["layers"][3], stride=2)
        m.fc = nn.Linear(base * 8 * block.expansion, classes)
    return m


def load_config(arch, config_dir):
    path = arch if arch.endswith(".json") else os.path.join(config_dir, arch + ".json")
    with open(path) as f:
        cfg = json.load(f)
    cfg.setdefault("name", os.path.basename(path)[:-5])
    return cfg


def time_mode(model, x, labels, warmup, iters, train):
    ms, cpu = [], []
    loss_fn = nn.CrossEntropyLoss()
    model.train(train)
    for i in range(-warmup, iters):
        t0 = time.perf_counter()
        c0 = time.process_time()
        if train:
            model.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), labels)
            loss.backward()
            loss.item()
        else:
            with torch.no_grad():
                model(x).cpu().numpy()
        if i >= 0:
            ms.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    return ms, cpu


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="resnet50,resnext50_32x4d")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--mode", default="forward,train")
    p.add_argument("--configs", required=True, help="Cardinal's configs/backbones folder")
    p.add_argument("--json")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
        torch.set_num_interop_threads(a.threads)
    torch.manual_seed(0)
    results = {}
    for arch in a.arch.split(","):
        cfg = load_config(arch.strip(), a.configs)
        model = build(cfg)
        x = torch.randn(a.batch, 3, a.size, a.size)
        labels = torch.randint(0, cfg.get("num_classes", 1000), (a.batch,))
        r = {}
        for mode in a.mode.split(","):
            ms, cpu = time_mode(model, x, labels, a.warmup, a.iters, mode == "train")
            med = statistics.median(ms)
            r[mode] = {"median_ms": med, "min_ms": min(ms), "max_ms": max(ms),
                       "images_per_s": a.batch * 1000.0 / med, "ms": [round(v, 1) for v in ms],
                       "median_cpu_ms": sorted(cpu)[len(cpu) // 2]}
        results[cfg["name"]] = r
    out = {"impl": "torchvision", "engine": f"torch {torch.__version__}, torchvision {torchvision.__version__}",
           "threads": torch.get_num_threads(), "batch": a.batch, "size": a.size, "results": results}
    text = json.dumps(out, indent=2)
    if a.json:
        tmp = a.json + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, a.json)
    else:
        print(text)


if __name__ == "__main__":
    sys.exit(main())
