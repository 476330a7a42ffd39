#!/usr/bin/env python3
"""Generates the fixtures of org.cardinal.regnet's tests from torchvision's own RegNet.

Peer used: "$PEER"/bin/python with PyTorch 2.14.1 and torchvision 0.29.1 (CPU execution) and
safetensors 0.8, as made by tools/peer/setup-torchvision DIR (PEER=DIR).

Run from anywhere:
    "$PEER"/bin/python plugin-regnet/src/test/resources/org/cardinal/regnet/make_fixtures.py \
        --skimage-wheel scikit_image-0.26.0-*.whl
Values are deterministic (seeded). It rewrites every generated file in its own folder.

The photograph: "Chelsea the cat", skimage/data/chelsea.png of scikit-image (451x300 RGB PNG,
sha256 596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb, checked). Licence: "No
copyright restrictions. CC0 by the photographer (Stefan van der Walt)" (scikit-image's
skimage.data.chelsea docstring), i.e. dedicated to the public domain. No network is needed: the
script reads it from a scikit-image wheel given with --skimage-wheel (any version that ships this
file; `pip download scikit-image --no-deps -d DIR` fetches one, or it is already in a pip cache or
mirror), or, without that option, from a scikit-image installed in the peer's python. From it
chelsea_224.png is made as torchvision's ImageNet eval transform does on PIL images:
Resize(256) (shorter side to 256, PIL bilinear with antialiasing) then CenterCrop(224).

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
  chelsea_224.png             the photograph, 224x224 RGB (see above)
  <arch>_photo_expected.safetensors
                              the same networks' outputs on chelsea_224.png after ToTensor and
                              Normalize(ImageNet mean, std), a (1, 3, 224, 224) input: C5 and the
                              logits (C2..C4 are left out to keep the files small);
                              "logits_eval_transform", the logits after torchvision's whole eval
                              transform of the PNG (Resize(256), so 224 -> 256, CenterCrop(224),
                              ToTensor, Normalize), what tools/backbone-features --image does; and, to check the preprocessing, "input_grid" (the
                              normalised input at rows and columns 3, 10, ..., 220: x[:, :, 3::7,
                              3::7]) and "input_channel_mean" (its per-channel means, (3,))

With --full OUT it writes, into OUT instead (about 40 MB, not committed), torchvision's
regnet_x_400mf and regnet_y_400mf with seeded random weights and BatchNorm statistics as above
(<arch>.pth and <arch>.safetensors), a (2, 3, 224, 224) random input.npy and <arch>_expected.json
({"logits": [[...] per sample]}, eval mode); and for the photograph the original chelsea.png
(451x300), photo.npy (1, 3, 224, 224: torchvision's Resize(256), CenterCrop(224), ToTensor,
Normalize on it) and <arch>_photo_expected.json (the logits on photo.npy). To check with
tools/backbone-features (which applies that same transform to an --image):
    tools/backbone-features --arch regnet_x_400mf --weights OUT/regnet_x_400mf.pth \
        --input OUT/input.npy --json OUT/regnet_x_400mf_cardinal.json
    tools/backbone-features --arch regnet_x_400mf --weights OUT/regnet_x_400mf.pth \
        --image OUT/chelsea.png --json OUT/regnet_x_400mf_photo_cardinal.json
"""
import argparse
import hashlib
import importlib.util
import io
import json
import os
import sys
import zipfile

import numpy as np
import torch
import torch.nn as nn
import torchvision
from PIL import Image
from safetensors.torch import save_file
from torch.utils.flop_counter import FlopCounterMode
from torchvision import transforms as T
from torchvision.models import regnet as R

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HERE, "..", "..", "..", "..", "..", "..", "..", "configs", "backbones", "regnet")
NAMES = [n for n in torchvision.models.list_models() if n.startswith("regnet_")]
CHELSEA = "skimage/data/chelsea.png"
CHELSEA_SHA256 = "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"
# torchvision's ImageNet classification eval preprocessing, split where the committed PNG is cut
CROP = T.Compose([T.Resize(256, interpolation=T.InterpolationMode.BILINEAR), T.CenterCrop(224)])
NORMALIZE = T.Compose([T.ToTensor(), T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])


def chelsea_png(wheel):
    """The bytes of scikit-image's chelsea.png: from a wheel (a zip) or an installed scikit-image."""
    if wheel:
        with zipfile.ZipFile(wheel) as z:
            data = z.read(CHELSEA)
    else:
        spec = importlib.util.find_spec("skimage")
        if spec is None:
            sys.exit("error: scikit-image not installed: give --skimage-wheel WHEEL"
                     " (pip download scikit-image --no-deps -d DIR)")
        with open(os.path.join(os.path.dirname(spec.origin), "data", "chelsea.png"), "rb") as f:
            data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != CHELSEA_SHA256:
        sys.exit("error: %s has sha256 %s, expected %s" % (CHELSEA, digest, CHELSEA_SHA256))
    return data


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
    """The committed fixtures of one small network: its weights and its outputs on x and the photo."""
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
    png = Image.open(os.path.join(HERE, "chelsea_224.png")).convert("RGB")
    photo = NORMALIZE(png).unsqueeze(0)
    with torch.no_grad():
        outs = {"input_grid": photo[:, :, 3::7, 3::7], "input_channel_mean": photo.double().mean((0, 2, 3)).float()}
        outs["C5"] = model.trunk_output(model.stem(photo))
        outs["logits"] = model(photo)
        outs["logits_eval_transform"] = model(NORMALIZE(CROP(png)).unsqueeze(0))
    save_file({k: v.contiguous() for k, v in outs.items()}, os.path.join(HERE, arch + "_photo_expected.safetensors"))


def full(out, chelsea):
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(5)
    x = torch.randn(2, 3, 224, 224, generator=g)
    np.save(os.path.join(out, "input.npy"), x.numpy())
    with open(os.path.join(out, "chelsea.png"), "wb") as f:
        f.write(chelsea)
    photo = NORMALIZE(CROP(Image.open(io.BytesIO(chelsea)).convert("RGB"))).unsqueeze(0)
    np.save(os.path.join(out, "photo.npy"), photo.numpy())
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
        with torch.no_grad():
            logits = model(photo)
        with open(os.path.join(out, arch + "_photo_expected.json"), "w") as f:
            json.dump({"logits": logits.tolist()}, f)


def main():
    parser = argparse.ArgumentParser(description="Writes org.cardinal.regnet's test fixtures.")
    parser.add_argument("--skimage-wheel", metavar="WHEEL", help="scikit-image wheel holding " + CHELSEA)
    parser.add_argument("--full", metavar="OUT", help="write the 400mf check's files into OUT instead")
    args = parser.parse_args()
    chelsea = chelsea_png(args.skimage_wheel)
    if args.full:
        full(args.full, chelsea)
        return
    CROP(Image.open(io.BytesIO(chelsea)).convert("RGB")).save(os.path.join(HERE, "chelsea_224.png"), optimize=True)
    sizes()
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 3, 64, 64, generator=g)
    np.save(os.path.join(HERE, "input.npy"), x.numpy())
    for arch in ("regnet_x_mini", "regnet_y_mini"):
        mini(arch, x)


if __name__ == "__main__":
    main()
