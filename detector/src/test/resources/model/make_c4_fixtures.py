#!/usr/bin/env python3
"""Generates the C4 Faster R-CNN parity fixtures of org.cardinal.detector's tests.

Peer: a Python with PyTorch 2.14.1 and torchvision 0.29.1 (CPU), safetensors and numpy, run from
this folder as
    python make_c4_fixtures.py c4/resnet_tiny --arch resnet_tiny        (committed)
    python make_c4_fixtures.py c4/resnext_tiny --arch resnext_tiny      (committed)
    python make_c4_fixtures.py OUT --arch resnet50                      (full size, not committed)
    python make_c4_fixtures.py OUT --arch resnext50_32x4d               (full size, not committed)

The reference is torchvision's own FasterRCNN assembled from its public parts into the paper's C4
detector (Ren et al. 2015; detectron2's R50-C4 architecture):
  backbone      a ResNet body up to layer3 (IntermediateLayerGetter, one map "0" at stride 16),
                wrapped as `backbone.body` like torchvision's BackboneWithFPN without the FPN
  rpn           AnchorGenerator with one level of 5 sizes x 3 aspect ratios, torchvision's RPNHead
  box_roi_pool  MultiScaleRoIAlign(["0"], 14, 2): RoIAlign with aligned=False, 2x2 samples per bin
  box_head      nn.Sequential(layer4, AdaptiveAvgPool2d(1), Flatten): res5 on the 14x14 RoIs, so
                its parameters are named roi_heads.box_head.0.<block>.* (Cardinal keeps them as
                backbone.body.layer4.*; DetectorWeights maps the names)
  box_predictor FastRCNNPredictor(C5 channels, num_classes)
Every BatchNorm is FrozenBatchNorm2d with random statistics. Weights are random (seeded), then
calibrated on the fixture's images so that RPN scores, box deltas and class scores are well
spread (see make_fixtures.py, whose helpers this script uses).

Tiny archs (the two configs/backbones of that name, 4 classes, min_size 160, max_size 224, anchor
sizes 16..256, three images) are small enough to commit; resnet50 / resnext50_32x4d give the
full-size model (91 classes, min_size 800, max_size 1333, anchor sizes 32..512, two photo-sized
images, about 140 MB), checked by C4FullSizeParityTest (@Tag("long")):
    mvn -pl detector -am test -Plong -Dtest=C4FullSizeParityTest
        -Dsurefire.failIfNoSpecifiedTests=false -Dcardinal.c4Parity=OUT1,OUT2     (one command)

Training losses are made deterministic by sampling every candidate: rpn_batch_size_per_image and
box_batch_size_per_image are larger than any anchor or RoI count, with positive fractions 1.0, so
torchvision's random BalancedPositiveNegativeSampler (and Cardinal's) keeps every anchor labelled
positive or negative and every proposal, in index order; the four losses are then functions of the
weights and inputs alone. Training keeps 256 proposals per image (rpn_post_nms_top_n_train, instead
of 2000) so that res5 on every one of them stays cheap and, at full size, fits in memory.

With --flavours (and no --arch) it reruns the fixture already in OUT with other RoIAlign flavours
(aligned=True and/or adaptive sampling, as detectron2's ROIAlignV2) and prints how far detections
and losses move from torchvision's; docs/roi-align.md records the numbers.

Writes into OUT:
  model.json              the matching Cardinal model config
  fasterrcnn.pth          model.state_dict() (torchvision names, torch.save zip format)
  image_<i>.npy           CHW float32 RGB images in [0, 1] of different sizes
  expected.safetensors    image_sizes (after resize), proposals_<i> (RPN, original-image coords)
                          and boxes_<i>, scores_<i>, labels_<i> (eval mode); target_boxes_<i>,
                          target_labels_<i> (ground truth in original-image coords) and the four
                          training-mode losses loss_objectness, loss_rpn_box_reg, loss_classifier,
                          loss_box_reg (shape (1,)) on those targets
"""
import argparse
import json
import math
import os
from collections import OrderedDict

import numpy as np
import torch
import torchvision
from safetensors.torch import load_file, save_file
from torch import nn
from torchvision.models._utils import IntermediateLayerGetter
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor
from torchvision.models.detection.transform import resize_boxes
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet
from torchvision.ops import MultiScaleRoIAlign, box_iou, roi_align
from torchvision.ops.misc import FrozenBatchNorm2d

from make_fixtures import calibrate, calibrate_box_deltas, calibrate_rpn, make_image

# Tiny bodies: (block, layers, groups, width per group, base channels), as configs/backbones.
TINY = {
    "resnet_tiny": (BasicBlock, [1, 1, 1, 1], 1, 64, 16),
    "resnext_tiny": (Bottleneck, [1, 1, 1, 1], 4, 8, 16),
}
FULL = ("resnet50", "resnext50_32x4d")
# Larger than any anchor or RoI count of these images: the samplers take every candidate.
ALL = 1 << 20
POST_NMS_TRAIN = 256
LOSSES = ("loss_objectness", "loss_rpn_box_reg", "loss_classifier", "loss_box_reg")


class TinyResNet(ResNet):
    """torchvision's ResNet with a configurable base width (torchvision fixes it at 64)."""

    def __init__(self, block, layers, groups, width, base):
        nn.Module.__init__(self)
        self._norm_layer = FrozenBatchNorm2d
        self.inplanes, self.dilation, self.groups, self.base_width = base, 1, groups, width
        self.conv1 = nn.Conv2d(3, base, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = FrozenBatchNorm2d(base)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, base, layers[0])
        self.layer2 = self._make_layer(block, base * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(block, base * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(block, base * 8, layers[3], stride=2)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


class ResNetC4(nn.Module):
    """The body up to layer3 as one feature map "0" at stride 16 (BackboneWithFPN minus the FPN)."""

    def __init__(self, resnet):
        super().__init__()
        self.body = IntermediateLayerGetter(resnet, return_layers={"layer3": "0"})
        self.out_channels = resnet.layer4[0].conv1.in_channels

    def forward(self, x):
        return self.body(x)


def body(arch):
    if arch in TINY:
        return TinyResNet(*TINY[arch])
    return getattr(torchvision.models, arch)(weights=None, norm_layer=FrozenBatchNorm2d)


def build(arch, num_classes, min_size, max_size, anchor_sizes):
    torch.manual_seed(0)
    resnet = body(arch)
    with torch.no_grad():
        # Non-trivial frozen statistics so that a wrong BN formula shows.
        for m in resnet.modules():
            if isinstance(m, FrozenBatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    c5 = resnet.layer4[0].downsample[0].out_channels
    model = FasterRCNN(
        ResNetC4(resnet),
        num_classes=None,
        min_size=min_size,
        max_size=max_size,
        rpn_anchor_generator=AnchorGenerator((tuple(anchor_sizes),), ((0.5, 1.0, 2.0),)),
        rpn_post_nms_top_n_train=POST_NMS_TRAIN,
        rpn_batch_size_per_image=ALL,
        rpn_positive_fraction=1.0,
        box_roi_pool=MultiScaleRoIAlign(["0"], 14, 2),
        box_head=nn.Sequential(resnet.layer4, nn.AdaptiveAvgPool2d(1), nn.Flatten(1)),
        box_predictor=FastRCNNPredictor(c5, num_classes),
        box_batch_size_per_image=ALL,
        box_positive_fraction=1.0,
    )
    return model.eval()


def make_targets(rng, sizes, num_classes):
    """Three ground-truth boxes per image, of 1/8 to 1/2 of the image side, random classes."""
    targets = []
    for h, w in sizes:
        boxes = []
        for _ in range(3):
            bw, bh = rng.uniform(w / 8, w / 2), rng.uniform(h / 8, h / 2)
            x0, y0 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            boxes.append([x0, y0, x0 + bw, y0 + bh])
        targets.append({
            "boxes": torch.tensor(boxes, dtype=torch.float32),
            "labels": torch.from_numpy(rng.integers(1, num_classes, 3)).to(torch.int64),
        })
    return targets


def write(model, images, sizes, targets, out, config):
    os.makedirs(out, exist_ok=True)
    for i, im in enumerate(images):
        np.save(os.path.join(out, f"image_{i}.npy"), im)
    tensors = [torch.from_numpy(im) for im in images]
    calibrate_rpn(model, tensors)
    calibrate_box_deltas(model, tensors)
    calibrate(model, tensors)
    expected = OrderedDict()
    with torch.no_grad():
        batch, _ = model.transform(tensors)
        expected["image_sizes"] = torch.tensor(batch.image_sizes, dtype=torch.int64)
        proposals, _ = model.rpn(batch, model.backbone(batch.tensors))
        for i, p in enumerate(proposals):
            expected[f"proposals_{i}"] = resize_boxes(p, batch.image_sizes[i], sizes[i]).contiguous()
        outputs = model(tensors)
        for i, o in enumerate(outputs):
            expected[f"boxes_{i}"] = o["boxes"].contiguous()
            expected[f"scores_{i}"] = o["scores"].contiguous()
            expected[f"labels_{i}"] = o["labels"].contiguous()
            print(f"image {i}: {tuple(sizes[i])} -> {batch.image_sizes[i]}, "
                  f"{len(proposals[i])} proposals, {len(o['boxes'])} detections, "
                  f"scores {[round(v, 4) for v in o['scores'][:5].tolist()]}, "
                  f"labels {o['labels'][:10].tolist()}")
        # FrozenBatchNorm2d everywhere: train() changes only the RPN/RoI sampling and top-n.
        model.train()
        losses = model(tensors, [{k: v.clone() for k, v in t.items()} for t in targets])
        model.eval()
    for i, t in enumerate(targets):
        expected[f"target_boxes_{i}"] = t["boxes"]
        expected[f"target_labels_{i}"] = t["labels"]
    for name in LOSSES:
        expected[name] = losses[name].reshape(1)
    print("losses", {k: round(float(v), 6) for k, v in losses.items()})
    save_file(expected, os.path.join(out, "expected.safetensors"))
    torch.save(model.state_dict(), os.path.join(out, "fasterrcnn.pth"))
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    print("torch", torch.__version__, "torchvision", torchvision.__version__, "->", out)


class FlavourPooler(nn.Module):
    """The one-level box pooler with a chosen RoIAlign flavour (MultiScaleRoIAlign has no
    `aligned`); the scale is inferred as MultiScaleRoIAlign does."""

    def __init__(self, sampling_ratio, aligned):
        super().__init__()
        self.sampling_ratio, self.aligned = sampling_ratio, aligned

    def forward(self, features, proposals, image_shapes):
        x = features["0"]
        scale = 2.0 ** round(math.log2(x.shape[-2] / max(h for h, _ in image_shapes)))
        return roi_align(x, proposals, (14, 14), scale, self.sampling_ratio, self.aligned)


def box_iou_same_label(a, la, b, lb):
    iou = box_iou(a, b)
    return torch.where(la[:, None] == lb[None, :], iou, torch.zeros_like(iou))


def compare_flavours(out):
    """Runs the fixture in OUT with other RoIAlign flavours and prints how far each lands from
    torchvision's (aligned=False, sampling_ratio=2): worst IoU and score difference of the twins of
    torchvision's detections, the share with IoU > 0.99 and score within 0.01, loss differences."""
    with open(os.path.join(out, "model.json")) as f:
        config = json.load(f)
    model = build(config["backbone"], config["num_classes"], config["min_size"], config["max_size"],
                  config["anchor_sizes"][0])
    model.load_state_dict(torch.load(os.path.join(out, "fasterrcnn.pth"), weights_only=True))
    expected = load_file(os.path.join(out, "expected.safetensors"))
    images = [torch.from_numpy(np.load(os.path.join(out, f"image_{i}.npy")))
              for i in range(len([k for k in expected if k.startswith("boxes_")]))]
    targets = [{"boxes": expected[f"target_boxes_{i}"], "labels": expected[f"target_labels_{i}"]}
               for i in range(len(images))]
    print(f"{out}: flavour, worst IoU, worst score difference, share matched, loss differences")
    for name, sr, aligned in [("torchvision (False, 2)", 2, False), ("aligned, 2x2 (True, 2)", 2, True),
                              ("adaptive (False, 0)", 0, False), ("ROIAlignV2 (True, 0)", 0, True)]:
        model.roi_heads.box_roi_pool = FlavourPooler(sr, aligned)
        worst_iou, worst_score, matched, total = 1.0, 0.0, 0, 0
        with torch.no_grad():
            model.eval()
            outputs = model(images)
            model.train()
            losses = model(images, [{k: v.clone() for k, v in t.items()} for t in targets])
            model.eval()
        for i, o in enumerate(outputs):
            tv_scores = expected[f"scores_{i}"]
            iou = box_iou_same_label(expected[f"boxes_{i}"], expected[f"labels_{i}"], o["boxes"], o["labels"])
            for a in range(len(tv_scores)):
                best = int(iou[a].argmax()) if iou.shape[1] else -1
                v = float(iou[a, best]) if best >= 0 else 0.0
                d = abs(float(tv_scores[a] - o["scores"][best])) if best >= 0 else 1.0
                worst_iou, worst_score = min(worst_iou, v), max(worst_score, d)
                matched += v > 0.99 and d <= 0.01
                total += 1
        diffs = " ".join(f"{k} {float(losses[k]) - float(expected[k][0]):+.1e}" for k in LOSSES)
        print(f"  {name:24s} {worst_iou:.4f} {worst_score:.2e} {matched}/{total} {diffs}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="output folder")
    parser.add_argument("--arch", choices=sorted(TINY) + list(FULL))
    parser.add_argument("--flavours", action="store_true",
                        help="compare RoIAlign flavours on the fixture already in OUT")
    args = parser.parse_args()
    if args.flavours:
        compare_flavours(args.out)
        return
    if args.arch is None:
        parser.error("--arch is required to write a fixture")
    rng = np.random.default_rng(11)
    tiny = args.arch in TINY
    if tiny:
        sizes, num_classes, min_size, max_size = [(120, 150), (100, 170), (97, 131)], 4, 160, 224
        anchor_sizes = [16, 32, 64, 128, 256]
    else:
        sizes, num_classes, min_size, max_size = [(480, 640), (427, 640)], 91, 800, 1333
        anchor_sizes = [32, 64, 128, 256, 512]
    model = build(args.arch, num_classes, min_size, max_size, anchor_sizes)
    images = [make_image(rng, h, w) for h, w in sizes]
    targets = make_targets(rng, sizes, num_classes)
    config = {
        "backbone": args.arch,
        "variant": "c4",
        "num_classes": num_classes,
        "min_size": min_size,
        "max_size": max_size,
        "anchor_sizes": [anchor_sizes],
        "roi_output_size": 14,
        "sampling_ratio": 2,
        "rpn_post_nms_top_n_train": POST_NMS_TRAIN,
        "rpn_batch_size_per_image": ALL,
        "rpn_positive_fraction": 1.0,
        "box_batch_size_per_image": ALL,
        "box_positive_fraction": 1.0,
    }
    write(model, images, sizes, targets, args.out, config)


if __name__ == "__main__":
    main()
