#!/usr/bin/env python3
"""Generates the Faster R-CNN parity fixture of org.cardinal.detector's tests.

Peer: "$PEER"/bin/python with PyTorch 2.14.1 and torchvision 0.29.1 (CPU), run as
    "$PEER"/bin/python make_fixtures.py
from this folder. It builds torchvision's own FasterRCNN (models/detection) around a tiny
ResNeXt body (torchvision Bottleneck, layers [1,1,1,1], 4 groups, width 8 per group, 16 base
channels: C2..C5 = 64, 128, 256, 512, FrozenBatchNorm2d), FPN with 32 channels, a TwoMLPHead of
64 and 4 classes (3 + background), min_size 160, max_size 224, with seeded random weights scaled
so that the RPN and the box predictor give confident, varied outputs. Writes:
  model.json              the matching Cardinal model config
  fasterrcnn.pth          model.state_dict() (torchvision names, torch.save zip format)
  image_<i>.npy           CHW float32 RGB images in [0, 1] of different sizes
  expected.safetensors    transform batch (normalized, resized, padded), resized sizes,
                          RPN proposals (original-image coords) and detections per image (eval)

With --full OUT [--arch resnet50|resnext50_32x4d|...] it writes the same files for a full-size
torchvision fasterrcnn_resnet50_fpn-style model (91 classes, min_size 800, max_size 1333; random
seeded weights, eval-mode BatchNorm with random statistics = frozen BN) and two photo-sized images
into OUT instead (about 170 MB, not committed). FullSizeParityTest (@Tag("long")) checks it:
    mvn -o -pl detector verify -Plong -Dcardinal.fullParity=OUT
"""
import argparse
import json
import os

import numpy as np
import torch
import torchvision
from safetensors.torch import save_file
from torch import nn
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.transform import resize_boxes
from torchvision.models.resnet import Bottleneck, ResNet
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool
from torchvision.ops.misc import FrozenBatchNorm2d

HERE = os.path.dirname(os.path.abspath(__file__))
BASE, GROUPS, WIDTH, LAYERS = 16, 4, 8, [1, 1, 1, 1]
FPN_CHANNELS, REPRESENTATION, NUM_CLASSES = 32, 64, 4
MIN_SIZE, MAX_SIZE = 160, 224
SIZES = [(120, 150), (100, 170), (97, 131)]


class TinyResNet(ResNet):
    """torchvision's ResNet with a configurable base width (torchvision fixes it at 64)."""

    def __init__(self):
        nn.Module.__init__(self)
        self._norm_layer = FrozenBatchNorm2d
        self.inplanes, self.dilation, self.groups, self.base_width = BASE, 1, GROUPS, WIDTH
        self.conv1 = nn.Conv2d(3, BASE, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = FrozenBatchNorm2d(BASE)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(Bottleneck, BASE, LAYERS[0])
        self.layer2 = self._make_layer(Bottleneck, BASE * 2, LAYERS[1], stride=2)
        self.layer3 = self._make_layer(Bottleneck, BASE * 4, LAYERS[2], stride=2)
        self.layer4 = self._make_layer(Bottleneck, BASE * 8, LAYERS[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(BASE * 8 * 4, 10)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


def build_full(arch):
    """torchvision's fasterrcnn_resnet50_fpn recipe with any ResNet body (random weights)."""
    from torchvision.models.detection.backbone_utils import resnet_fpn_backbone

    torch.manual_seed(0)
    backbone = resnet_fpn_backbone(backbone_name=arch, weights=None, trainable_layers=3)
    model = FasterRCNN(backbone, num_classes=91)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm2d, FrozenBatchNorm2d)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
        model.rpn.head.cls_logits.weight.normal_(0, 0.5)
        model.rpn.head.cls_logits.bias.uniform_(-1, 1)
        model.rpn.head.bbox_pred.weight.normal_(0, 0.05)
        model.roi_heads.box_predictor.bbox_pred.weight.mul_(4.0)
    return model.eval()


def build():
    torch.manual_seed(0)
    body = TinyResNet()
    with torch.no_grad():
        # Non-trivial frozen statistics so that a wrong BN formula shows.
        for m in body.modules():
            if isinstance(m, FrozenBatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    channels = [BASE * 4 * 2**i for i in range(4)]
    backbone = BackboneWithFPN(
        body,
        return_layers={"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"},
        in_channels_list=channels,
        out_channels=FPN_CHANNELS,
        extra_blocks=LastLevelMaxPool(),
    )
    model = FasterRCNN(
        backbone,
        num_classes=None,
        min_size=MIN_SIZE,
        max_size=MAX_SIZE,
        box_head=TwoMLPHead(FPN_CHANNELS * 7 * 7, REPRESENTATION),
        box_predictor=FastRCNNPredictor(REPRESENTATION, NUM_CLASSES),
    )
    with torch.no_grad():
        # torchvision's inits give near-constant objectness (std 0.01) and near-uniform class
        # scores; scale them so that top-k, NMS and thresholds see well separated values.
        model.rpn.head.cls_logits.weight.normal_(0, 0.5)
        model.rpn.head.cls_logits.bias.uniform_(-1, 1)
        model.rpn.head.bbox_pred.weight.normal_(0, 0.05)
        model.roi_heads.box_predictor.bbox_pred.weight.mul_(4.0)
    return model.eval()


def calibrate(model, tensors):
    """Sets the class scores' weights from the box features of these images so that each class
    logit has mean 0 and std 2.5 over the RoIs: detections of several classes with scores spread
    over (0.05, 1) instead of one class dominating every RoI."""
    with torch.no_grad():
        batch, _ = model.transform(tensors)
        features = model.backbone(batch.tensors)
        proposals, _ = model.rpn(batch, features)
        x = model.roi_heads.box_roi_pool(features, proposals, batch.image_sizes)
        x = model.roi_heads.box_head(x)
        cls = model.roi_heads.box_predictor.cls_score
        w = torch.randn(cls.weight.shape[0], x.shape[1])
        logits = x @ w.T
        scale = 2.5 / logits.std(0)
        cls.weight.copy_(w * scale[:, None])
        offset = torch.zeros(cls.weight.shape[0])
        offset[0] = 1.0  # background a little more likely
        cls.bias.copy_(-logits.mean(0) * scale + offset)


def make_image(rng, h, w):
    """A smooth background with a few coloured rectangles: structure the convs respond to."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([xx / w, yy / h, 0.5 + 0.25 * np.sin(xx / 7.0) * np.cos(yy / 5.0)])
    for _ in range(4):
        y0, x0 = rng.integers(0, h - 20), rng.integers(0, w - 20)
        y1, x1 = y0 + rng.integers(10, h // 2), x0 + rng.integers(10, w // 2)
        img[:, y0:y1, x0:x1] = rng.random(3, dtype=np.float32)[:, None, None]
    img += rng.normal(0, 0.02, img.shape).astype(np.float32)
    return np.clip(img, 0, 1).astype(np.float32)


def calibrate_rpn(model, tensors):
    """Scales the RPN's objectness and delta convs to the features of these images: logits with
    std 2 and deltas with std 0.1 (random full-size features are large, and unscaled deltas turn
    every proposal into the whole image)."""
    with torch.no_grad():
        batch, _ = model.transform(tensors)
        features = list(model.backbone(batch.tensors).values())
        head = model.rpn.head
        logits, deltas = head(features)
        lo = torch.cat([t.flatten() for t in logits])
        de = torch.cat([t.flatten() for t in deltas])
        head.cls_logits.weight.mul_(2.0 / lo.std())
        head.cls_logits.bias.copy_(-lo.mean() * 2.0 / lo.std() + torch.empty_like(head.cls_logits.bias).uniform_(-1, 1))
        head.bbox_pred.weight.mul_(0.1 / de.std())
        head.bbox_pred.bias.zero_()


def calibrate_box_deltas(model, tensors):
    """Scales the class-specific box deltas to std 0.5 (before the 10, 10, 5, 5 weights): random
    full-size features otherwise give clamped, degenerate boxes whose IoU is ill-conditioned."""
    with torch.no_grad():
        batch, _ = model.transform(tensors)
        features = model.backbone(batch.tensors)
        proposals, _ = model.rpn(batch, features)
        x = model.roi_heads.box_head(model.roi_heads.box_roi_pool(features, proposals, batch.image_sizes))
        pred = model.roi_heads.box_predictor.bbox_pred
        d = pred(x)
        pred.weight.mul_(0.5 / d.std())
        pred.bias.zero_()


def write(model, images, sizes, out, config, rpn=False):
    for i, im in enumerate(images):
        np.save(os.path.join(out, f"image_{i}.npy"), im)
    tensors = [torch.from_numpy(im) for im in images]
    if rpn:
        calibrate_rpn(model, tensors)
        calibrate_box_deltas(model, tensors)
    calibrate(model, tensors)
    expected = {}
    with torch.no_grad():
        batch, _ = model.transform(tensors)
        expected["batch"] = batch.tensors.contiguous()
        expected["image_sizes"] = torch.tensor(batch.image_sizes, dtype=torch.int64)
        features = model.backbone(batch.tensors)
        proposals, _ = model.rpn(batch, features)
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
    save_file(expected, os.path.join(out, "expected.safetensors"))
    torch.save(model.state_dict(), os.path.join(out, "fasterrcnn.pth"))
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    print("torch", torch.__version__, "torchvision", torchvision.__version__)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", metavar="OUT", help="write a full-size fixture into OUT")
    parser.add_argument("--arch", default="resnet50", help="ResNet body of the full-size model")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    if args.full:
        os.makedirs(args.full, exist_ok=True)
        sizes = [(480, 640), (427, 640)]
        model = build_full(args.arch)
        images = [make_image(rng, h, w) for h, w in sizes]
        write(model, images, sizes, args.full, {"backbone": args.arch, "variant": "fpn"}, rpn=True)
        return
    config = {
        "backbone": {
            "name": "resnext_tiny_fixture", "block": "bottleneck", "layers": LAYERS,
            "cardinality": GROUPS, "bottleneck_width": WIDTH, "base_channels": BASE,
        },
        "variant": "fpn",
        "num_classes": NUM_CLASSES,
        "min_size": MIN_SIZE,
        "max_size": MAX_SIZE,
        "fpn_channels": FPN_CHANNELS,
        "representation_size": REPRESENTATION,
    }
    images = [make_image(rng, h, w) for h, w in SIZES]
    write(build(), images, SIZES, HERE, config)


if __name__ == "__main__":
    main()
