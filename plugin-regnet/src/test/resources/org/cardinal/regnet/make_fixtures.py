#!/usr/bin/env python3
"""Generates the fixtures of org.cardinal.regnet's tests from torchvision's own RegNet.

Peer used: "$PEER"/bin/python with PyTorch 2.14.1 and torchvision 0.29.1 (CPU execution) and
safetensors 0.8, as made by tools/peer/setup-torchvision DIR (PEER=DIR).

Run from anywhere:   "$PEER"/bin/python plugin-regnet/src/test/resources/org/cardinal/regnet/make_fixtures.py
Values are deterministic (seeded). It rewrites every generated file in its own folder.

What it writes:
  torchvision_sizes.json      for every torchvision RegNet (regnet_x_400mf ... regnet_y_128gf): the
                              stage depths, widths and group widths BlockParams.from_init_params
                              gives, the parameter count of the classifier (1000 classes) and its
                              multiply-adds at 224x224 (torch.utils.flop_counter, FLOPs / 2). The
                              networks are built on the meta device: no weights are allocated.
  <arch>.safetensors          for regnet_x_mini and regnet_y_mini (configs/backbones/regnet/): a
                              torchvision RegNet of those design-space parameters, seeded random
                              weights with non-trivial BatchNorm statistics, eval mode
  <arch>_expected.safetensors its outputs on input.npy: C2..C5 (trunk_output.block1..block4) and
                              the logits
  input.npy                   (2, 3, 64, 64) float32 NCHW

With --full OUT it writes, into OUT instead (about 40 MB, not committed), torchvision's
regnet_x_400mf and regnet_y_400mf with seeded random weights and BatchNorm statistics as above
(<arch>.pth and <arch>.safetensors), a (2, 3, 224, 224) input.npy and <arch>_expected.json
({"logits": [[...] per sample]}, eval mode), to check with tools/backbone-features:
    tools/backbone-features --arch regnet_x_400mf --weights OUT/regnet_x_400mf.pth \
        --input OUT/input.npy --json OUT/regnet_x_400mf_cardinal.json
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision
from safetensors.torch import save_file
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models import regnet as R

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HERE, "..", "..", "..", "..", "..", "..", "..", "configs", "backbones", "regnet")
NAMES = [n for n in torchvision.models.list_models() if n.startswith("regnet_")]


def on_meta(build):
    """torchvision's _regnet with the module built on the meta device (the block parameters are
    still computed on the CPU, by BlockParams.from_init_params)."""

    def wrapper(*args, **kwargs):
        with torch.device("meta"):
            return build(*args, **kwargs)

    return wrapper


def sizes():
    out = {}
    R._regnet = on_meta(R._regnet)
    for name in sorted(NAMES):
        model = torchvision.models.get_model(name)
        counter = FlopCounterMode(display=False)
        with counter:
            model(torch.empty(1, 3, 224, 224, device="meta"))
        bp = model.trunk_output
        depths, widths, groups = [], [], []
        for stage in bp.children():
            blocks = list(stage.children())
            depths.append(len(blocks))
            widths.append(blocks[0].f.c[0].out_channels)
            groups.append(blocks[0].f.b[0].groups)
        out[name] = {
            "params": sum(p.numel() for p in model.parameters()),
            "macs": counter.get_total_flops() // 2,
            "depths": depths,
            "widths": widths,
            "groups": groups,
        }
    with open(os.path.join(HERE, "torchvision_sizes.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


def randomize(model, seed):
    """Random BN affine and running statistics (a few train-mode batches), then eval mode."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))
            if isinstance(m, nn.Conv2d) and m.bias is not None:
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))
        model.fc.weight.copy_(0.1 * torch.randn(model.fc.weight.shape, generator=g))
        model.train()
        for _ in range(3):
            model(torch.randn(4, 3, 64, 64, generator=g) * 2 + 0.3)
    model.eval()


def mini(arch, x):
    with open(os.path.join(CONFIGS, arch + ".json")) as f:
        c = json.load(f)
    torch.manual_seed(19)
    params = R.BlockParams.from_init_params(
        depth=c["depth"], w_0=c["w0"], w_a=c["wa"], w_m=c["wm"], group_width=c["group_width"],
        bottleneck_multiplier=c.get("bottleneck_ratio", 1.0), se_ratio=c.get("se_ratio"))
    model = R.RegNet(params, num_classes=c.get("num_classes", 1000), stem_width=c.get("stem_width", 32))
    randomize(model, 7)
    sd = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    save_file({k: v.contiguous() for k, v in sd.items()}, os.path.join(HERE, arch + ".safetensors"))
    with torch.no_grad():
        y = model.stem(x)
        outs = {}
        for i, stage in enumerate(model.trunk_output.children()):
            y = stage(y)
            outs["C%d" % (i + 2)] = y
        outs["logits"] = model(x)
    save_file({k: v.contiguous() for k, v in outs.items()}, os.path.join(HERE, arch + "_expected.safetensors"))


def full(out):
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(5)
    x = torch.randn(2, 3, 224, 224, generator=g)
    np.save(os.path.join(out, "input.npy"), x.numpy())
    for arch in ("regnet_x_400mf", "regnet_y_400mf"):
        torch.manual_seed(0)
        model = torchvision.models.get_model(arch)
        randomize(model, 11)
        sd = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
        torch.save(sd, os.path.join(out, arch + ".pth"))
        save_file({k: v.contiguous() for k, v in sd.items()}, os.path.join(out, arch + ".safetensors"))
        with torch.no_grad():
            logits = model(x)
        with open(os.path.join(out, arch + "_expected.json"), "w") as f:
            json.dump({"logits": logits.tolist()}, f)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--full":
        full(sys.argv[2])
        return
    sizes()
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 3, 64, 64, generator=g)
    np.save(os.path.join(HERE, "input.npy"), x.numpy())
    for arch in ("regnet_x_mini", "regnet_y_mini"):
        mini(arch, x)


if __name__ == "__main__":
    main()
