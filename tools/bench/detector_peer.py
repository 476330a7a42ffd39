"""torchvision peer of Cardinal's detector benchmark (tools/bench/detector runs both, back to back).

Model: torchvision's Faster R-CNN FPN with its default heads and 91 classes, built exactly as
`fasterrcnn_resnet50_fpn` builds it when ImageNet weights are given (the usual way to train it):
a ResNet body with FrozenBatchNorm2d, `_resnet_fpn_extractor(body, trainable_layers=3)`, then
`FasterRCNN(backbone, num_classes=91, min_size=S, max_size=S)`. That equals Cardinal's defaults
(frozen BatchNorm, trainable_backbone_layers 3). `fasterrcnn_resnet50_fpn(weights=None,
weights_backbone=None)` itself would switch to trainable BatchNorm and all 5 stages trainable; the
state_dict names and shapes are the same either way. resnext50_32x4d uses the same builder with
torchvision's resnext50_32x4d body. Parameters are random (torch.manual_seed(seed)).

Protocol (same as org.cardinal.tools.DetectorBenchmark): `batch` synthetic images (uniform noise,
3xHxW, --size S or HxW, min_size/max_size set so that the transform's resize is the identity) with
`boxes` random boxes each;
train = model.train(), the sum of the four losses, backward, SGD step (lr 1e-3, momentum 0.9,
weight decay 1e-4; gradients set to None before each step); infer = model.eval() under
torch.no_grad(), outputs read to numpy. `warmup` untimed then `iters` timed iterations; median.
With --stages, also the median per-stage times (transform, backbone, rpn, roi_heads, backward,
optimizer) measured by timing the submodules' forward calls.

Peak memory, measured as Cardinal measures it: on the CPU the process's peak resident set (Linux
VmHWM, reset through /proc/self/clear_refs before each measurement), on a GPU (--device cuda) the
device memory in use as the driver reports it (torch.cuda.mem_get_info), the largest value seen
after an iteration.

With --export DIR it writes, per architecture, DIR/<arch>.safetensors (the model's state_dict,
torchvision names) and DIR/inputs.safetensors (image_i, boxes_i, labels_i), so that Cardinal
runs the very same weights on the very same inputs (same proposals, same work).
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torchvision
from torchvision.models import resnet50, resnext50_32x4d
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor
from torchvision.ops import misc as misc_nn_ops

BODIES = {"resnet50": resnet50, "resnext50_32x4d": resnext50_32x4d}
STAGES = ("transform", "backbone", "rpn", "roi_heads")


def build(arch, h, w):
    if arch not in BODIES:
        raise SystemExit(f"error: unknown --arch '{arch}' (known: {', '.join(BODIES)})")
    body = BODIES[arch](weights=None, norm_layer=misc_nn_ops.FrozenBatchNorm2d)
    backbone = _resnet_fpn_extractor(body, 3)
    return FasterRCNN(backbone, num_classes=91, min_size=min(h, w), max_size=max(h, w))


def size(spec):
    parts = spec.lower().split("x")
    h = int(parts[0])
    return h, int(parts[1]) if len(parts) > 1 else h


class PeakMemory:
    """Peak resident set (CPU) or device memory in use (GPU), as Cardinal's benchmark measures it."""

    def __init__(self, device):
        self.device = device
        self.peak = 0
        if device.type == "cpu":
            try:
                with open("/proc/self/clear_refs", "w") as f:
                    f.write("5")
            except OSError:
                pass

    def sample(self):
        if self.device.type == "cuda":
            free, total = torch.cuda.mem_get_info(self.device)
            self.peak = max(self.peak, total - free)

    def report(self, r):
        if self.device.type == "cuda":
            r["peak_gpu_mib"] = self.peak / 2**20
            return
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        r["peak_rss_mib"] = int(line.split()[1]) / 1024
        except OSError:
            pass


def make_inputs(batch, h, w, boxes, seed):
    g = torch.Generator().manual_seed(seed)
    images, targets = [], []
    s = min(h, w)
    for _ in range(batch):
        images.append(torch.rand(3, h, w, generator=g))
        wh = torch.rand(boxes, 2, generator=g) * (s / 2 - s / 16) + s / 16
        xy = torch.rand(boxes, 2, generator=g) * (torch.tensor([w, h]) - wh)
        b = torch.cat([xy, xy + wh], 1)
        labels = torch.randint(1, 91, (boxes,), generator=g, dtype=torch.int64)
        targets.append({"boxes": b, "labels": labels})
    return images, targets


def add(rec, name, wall_ms, cpu_ms):
    rec[name] = rec.get(name, 0.0) + wall_ms
    rec[name + "_cpu"] = rec.get(name + "_cpu", 0.0) + cpu_ms


def resident():
    """(VmRSS, VmHWM) of this process in MiB; zeros where /proc is not there."""
    v = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    v[line.split(":")[0]] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return v.get("VmRSS", 0.0), v.get("VmHWM", 0.0)


class StageTimer:
    """Wraps the forward of the model's stages to add their wall time to the current record, and
    notes the resident set (now and its peak so far) at each stage's end, as Cardinal's --stages."""

    def __init__(self, model):
        self.current = None
        self.memory = {}
        for name in STAGES:
            module = getattr(model, name)
            module.forward = self._wrap(name, module.forward)

    def _wrap(self, name, fn):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            c0 = time.process_time()
            out = fn(*args, **kwargs)
            if self.current is not None:
                add(self.current, name, (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000)
                self.note(name)
            return out
        return timed

    def note(self, name):
        rss, peak = resident()
        old = self.memory.get(name, {"rss_mib": 0.0, "peak_rss_mib": 0.0})
        self.memory[name] = {"rss_mib": max(old["rss_mib"], rss), "peak_rss_mib": max(old["peak_rss_mib"], peak)}


def run(model, images, targets, mode, warmup, iters, timer, profile=None, memory=None):
    ms, cpu, stages = [], [], []
    device = images[0].device
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    train = mode == "train"
    model.train(train)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=1e-3, momentum=0.9, weight_decay=1e-4) if train else None
    for i in range(-warmup, iters):
        rec = {}
        if timer is not None:
            timer.current = rec
            if i == 0:
                timer.memory = {}  # the warm-up's figures are not kept
        prof = None
        if profile and i == iters - 1:
            prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=True)
            prof.__enter__()
        t0 = time.perf_counter()
        c0 = time.process_time()
        if train:
            opt.zero_grad(set_to_none=True)
            losses = model(images, targets)
            loss = sum(losses.values())
            t1, c1 = time.perf_counter(), time.process_time()
            loss.backward()
            t2, c2 = time.perf_counter(), time.process_time()
            if timer is not None:
                timer.note("backward")
            opt.step()
            loss.item()
            sync()
            if timer is not None:
                add(rec, "backward", (t2 - t1) * 1000, (c2 - c1) * 1000)
                add(rec, "optimizer", (time.perf_counter() - t2) * 1000, (time.process_time() - c2) * 1000)
                timer.note("update")
        else:
            with torch.no_grad():
                out = model(images)
                for d in out:
                    d["boxes"].cpu().numpy(), d["scores"].cpu().numpy(), d["labels"].cpu().numpy()
            rec["detections"] = sum(int(d["boxes"].shape[0]) for d in out)
        if memory is not None:
            memory.sample()
        wall = (time.perf_counter() - t0) * 1000
        cpu_ms = (time.process_time() - c0) * 1000
        if prof is not None:
            prof.__exit__(None, None, None)
            prof.export_chrome_trace(profile + "_" + mode + ".json")
        if i >= 0:
            ms.append(wall)
            cpu.append(cpu_ms)
            stages.append(rec)
    return ms, cpu, stages


def summary(ms, cpu, stages, batch, with_stages):
    med = statistics.median(ms)
    r = {"median_ms": med, "min_ms": min(ms), "max_ms": max(ms), "ms": [round(v, 1) for v in ms],
         "median_cpu_ms": statistics.median(cpu)}
    r["per_s"] = 1000.0 / med
    r["images_per_s"] = batch * 1000.0 / med
    if with_stages and stages:
        keys = [k for k in stages[0] if k != "detections"]
        r["stages_ms"] = {k: statistics.median(s.get(k, 0.0) for s in stages) for k in keys}
    if stages and "detections" in stages[0]:
        r["detections"] = stages[-1]["detections"]
    return r


def save_atomic(tensors, path):
    from safetensors.torch import save_file
    tmp = path + ".tmp"
    save_file({k: v.contiguous() for k, v in tensors.items()}, tmp)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="resnet50,resnext50_32x4d")
    p.add_argument("--size", default="512", help="S or HxW")
    p.add_argument("--device", default="cpu", help="cpu or cuda (one GPU)")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--boxes", type=int, default=4)
    p.add_argument("--iters", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--interop-threads", type=int, default=0)
    p.add_argument("--mode", default="train,infer")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--stages", action="store_true")
    p.add_argument("--profile", help="folder for torch.profiler chrome traces of the last timed step")
    p.add_argument("--export", help="folder for <arch>.safetensors and inputs.safetensors")
    p.add_argument("--json")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.interop_threads > 0:
        torch.set_num_interop_threads(a.interop_threads)
    h, w = size(a.size)
    device = torch.device(a.device)
    images, targets = make_inputs(a.batch, h, w, a.boxes, a.seed)
    if a.profile:
        os.makedirs(a.profile, exist_ok=True)
    if a.export:
        tensors = {}
        for i, (im, t) in enumerate(zip(images, targets)):
            tensors[f"image_{i}"] = im
            tensors[f"boxes_{i}"] = t["boxes"]
            tensors[f"labels_{i}"] = t["labels"]
        save_atomic(tensors, os.path.join(a.export, "inputs.safetensors"))
    results = {}
    for arch in [s.strip() for s in a.arch.split(",")]:
        torch.manual_seed(a.seed)
        model = build(arch, h, w)
        if a.export:
            save_atomic(model.state_dict(), os.path.join(a.export, arch + ".safetensors"))
        model.to(device)
        dev_images = [im.to(device) for im in images]
        dev_targets = [{k: v.to(device) for k, v in t.items()} for t in targets]
        timer = StageTimer(model) if a.stages else None
        r = {}
        for mode in a.mode.split(","):
            prof = os.path.join(a.profile, f"torchvision_{arch}") if a.profile else None
            memory = PeakMemory(device)
            ms, cpu, stages = run(model, dev_images, dev_targets, mode, a.warmup, a.iters, timer, prof, memory)
            r[mode] = summary(ms, cpu, stages, a.batch, a.stages)
            memory.report(r[mode])
            if timer is not None:
                r[mode]["stages_memory"] = timer.memory
            print(f"torchvision {arch} {mode}: median {r[mode]['median_ms']:.0f} ms ({r[mode]['ms']})",
                  file=sys.stderr)
        results[arch] = r
    out = {"impl": "torchvision", "engine": f"torch {torch.__version__}, torchvision {torchvision.__version__}",
           "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
           "batch": a.batch, "size": f"{h}x{w}", "device": str(device), "boxes_per_image": a.boxes,
           "results": results}
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
