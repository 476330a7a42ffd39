#!/usr/bin/env python3
"""Full-size parity check: Cardinal's tools/backbone-features against torchvision.

Peer used: the torchvision venv (the peer venv: PyTorch 2.14.1, torchvision 0.29.1, CPU), found by
tools/lib/peer-python. Run through the launcher:   tools/benchmark backbone-parity [options]
(or directly: PEER_PYTHON check_full_parity.py --repo REPO_ROOT [options]).

For each architecture (default resnet50 and resnext50_32x4d, torchvision's own definitions):
  1. build torchvision.models.<arch>(weights=None) with torch.manual_seed(seed); give BatchNorm random
     affine parameters and calibrate its running statistics with two train-mode batches of noise, so
     that eval-mode BN is far from the identity;
  2. save the state_dict as .pth (torch.save) and .safetensors; save a seeded (2, 3, 224, 224) float32
     input as .npy; compute torchvision's eval-mode logits and per-stage channel means;
  3. run tools/backbone-features on the .pth and on the .safetensors with --json, and --export a .pth
     that must load in torch.load(weights_only=True) and load_state_dict(strict=True) bit-identically;
  4. report max|a-b| / max|b| (normwise relative error) of logits and of each stage's channel means;
     fail (exit 1) when a logits error (tensor or image input) exceeds --tol (default 1e-3).
With --image it also writes a seeded 500x375 image as PNG and as JPEG (quality 90) and compares the
--image path (OpenCV decode + Cardinal's Pillow-exact resize/crop/normalize) with torchvision's
PIL decode + Resize(256)/CenterCrop(224)/ToTensor/Normalize.

Nothing is committed: weights go to --work (default /tmp/cardinal-parity) and are deleted unless --keep.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import torch
import torchvision
from torchvision import transforms


def calibrated(arch, seed):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, arch)(weights=None)
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))
        model.train()
        for _ in range(2):
            model(torch.randn(4, 3, 224, 224, generator=g))
    model.eval()
    return model


def stage_outputs(model, x):
    with torch.no_grad():
        h = model.maxpool(model.relu(model.bn1(model.conv1(x))))
        out = {}
        for i, name in enumerate(("C2", "C3", "C4", "C5")):
            h = getattr(model, "layer%d" % (i + 1))(h)
            out[name] = h.mean(dim=(0, 2, 3)).numpy()
        logits = model.fc(torch.flatten(model.avgpool(h), 1)).numpy()
    return logits, out


def rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / np.abs(b).max())


def run_tool(repo, args):
    t0 = time.time()
    p = subprocess.run([os.path.join(repo, "tools", "backbone-features")] + args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit("backbone-features failed (exit %d)" % p.returncode)
    return time.time() - t0


def compare(result_file, logits, stages):
    with open(result_file) as f:
        r = json.load(f)
    errs = {"logits": rel(np.array(r["logits"]), logits)}
    for k, v in stages.items():
        errs[k] = rel(r["stages"][k]["channel_mean"], v)
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", default=os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")))
    ap.add_argument("--archs", default="resnet50,resnext50_32x4d")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tol", type=float, default=1e-3)
    ap.add_argument("--work", default="/tmp/cardinal-parity")
    ap.add_argument("--image", action="store_true", help="also compare the --image preprocessing path")
    ap.add_argument("--keep", action="store_true", help="keep the generated weights in --work")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    print("peer: torch %s, torchvision %s; tolerance %.0e (max|a-b|/max|b|)" % (
        torch.__version__, torchvision.__version__, a.tol))
    x = np.random.RandomState(a.seed).randn(2, 3, 224, 224).astype(np.float32)
    xpath = os.path.join(a.work, "input.npy")
    np.save(xpath, x)
    images = {}
    if a.image:
        from PIL import Image
        rs = np.random.RandomState(a.seed + 5)
        yy, xx = np.mgrid[0:375, 0:500]
        base = np.stack([xx * 0.5, yy * 0.6, (xx + yy) * 0.3], -1) % 256
        img = Image.fromarray(np.clip(base + rs.randn(375, 500, 3) * 20, 0, 255).astype(np.uint8))
        tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                                 transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
        for ext in ("png", "jpg"):
            path = os.path.join(a.work, "image." + ext)
            img.save(path, quality=90) if ext == "jpg" else img.save(path)
            images[ext] = (path, tf(Image.open(path).convert("RGB")).unsqueeze(0))
    worst = 0.0
    for arch in a.archs.split(","):
        model = calibrated(arch, a.seed)
        w = os.path.join(a.work, arch + ".pth")
        torch.save(model.state_dict(), w)
        from safetensors.torch import save_file
        ws = os.path.join(a.work, arch + ".safetensors")
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, ws)
        logits, stages = stage_outputs(model, torch.from_numpy(x))
        for label, weights in (("pth", w), ("safetensors", ws)):
            out = os.path.join(a.work, arch + "_" + label + ".json")
            extra = ["--export", os.path.join(a.work, arch + "_java.pth")] if label == "pth" else []
            secs = run_tool(a.repo, ["--arch", arch, "--weights", weights, "--input", xpath, "--json", out] + extra)
            errs = compare(out, logits, stages)
            worst = max(worst, errs["logits"])
            print("%-16s %-11s logits %.2e | C2 %.2e C3 %.2e C4 %.2e C5 %.2e | %.1f s" % (
                arch, label, errs["logits"], errs["C2"], errs["C3"], errs["C4"], errs["C5"], secs))
        exported = torch.load(os.path.join(a.work, arch + "_java.pth"), weights_only=True, mmap=True)
        fresh = getattr(torchvision.models, arch)(weights=None)
        fresh.load_state_dict(exported, strict=True)
        sd = model.state_dict()
        same = all(torch.equal(exported[k], sd[k]) for k in sd if not k.endswith("num_batches_tracked"))
        print("%-16s export      torch.load(weights_only=True, mmap=True) + strict load: ok, tensors identical: %s" % (
            arch, same))
        if not same:
            worst = float("inf")
        for ext, (path, ximg) in images.items():
            with torch.no_grad():
                ref = model(ximg).numpy()
            out = os.path.join(a.work, arch + "_image.json")
            run_tool(a.repo, ["--arch", arch, "--weights", w, "--image", path, "--json", out])
            with open(out) as f:
                got = np.array(json.load(f)["logits"])
            worst = max(worst, rel(got, ref))
            print("%-16s image %-5s logits %.2e (decode + Resize/CenterCrop/Normalize vs PIL/torchvision), top-1 %s vs %s"
                  % (arch, ext, rel(got, ref), int(got[0].argmax()), int(ref[0].argmax())))
    if not a.keep:
        shutil.rmtree(a.work, ignore_errors=True)
    print("max logits relative error: %.2e (tolerance %.0e): %s" % (worst, a.tol, "PASS" if worst <= a.tol else "FAIL"))
    sys.exit(0 if worst <= a.tol else 1)


if __name__ == "__main__":
    main()
