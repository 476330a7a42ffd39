#!/usr/bin/env python3
"""Generates the RegNet-FPN Faster R-CNN parity fixture of org.cardinal.regnet's tests.

Peer: "$PEER"/bin/python with PyTorch 2.14.1 and torchvision 0.29.1 (CPU), as made by
tools/peer/setup-torchvision DIR (PEER=DIR), run from anywhere as
    "$PEER"/bin/python plugin-regnet/src/test/resources/org/cardinal/regnet/fpn/make_fixtures.py

It builds torchvision's own FasterRCNN (models/detection) on a RegNetY body (regnet_y_mini: its
squeeze-and-excitation makes it a superset of RegNetX): torchvision's RegNet
class with the design-space parameters of configs/backbones/regnet/<arch>.json and
FrozenBatchNorm2d, its four trunk stages taken as C2..C5 by
torchvision.models.feature_extraction.create_feature_extractor (which keeps the trunk's parameter
names: backbone.body.trunk_output.block1.block1-0.f.a.0.weight, ...), a FeaturePyramidNetwork with
LastLevelMaxPool as torchvision's BackboneWithFPN builds it, FPN 32 channels, a TwoMLPHead of 64
and 4 classes (3 + background), min_size 160, max_size 224, seeded random weights. The images, the
calibration of the heads and the files written are those of Cardinal's ResNeXt FPN fixture
(detector/src/test/resources/model/make_fixtures.py, whose functions this script imports), into
the folder <arch>/ beside this script:
  model.json              the matching Cardinal model config (backbone: the shipped name)
  fasterrcnn.pth          model.state_dict() (torchvision names)
  image_<i>.npy           CHW float32 RGB images in [0, 1] of different sizes
  expected.safetensors    transform batch, resized sizes, RPN proposals and detections (eval)
"""
import importlib.util
import json
import os
from collections import OrderedDict

import numpy as np
import torch
from torch import nn
from torchvision.models import regnet as R
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.feature_extraction import create_feature_extractor
from torchvision.ops.feature_pyramid_network import FeaturePyramidNetwork, LastLevelMaxPool
from torchvision.ops.misc import FrozenBatchNorm2d

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, *[".."] * 8)
CONFIGS = os.path.join(ROOT, "configs", "backbones", "regnet")
FPN_CHANNELS, REPRESENTATION, NUM_CLASSES = 32, 64, 4
MIN_SIZE, MAX_SIZE = 160, 224
SIZES = [(120, 150), (100, 170), (97, 131)]


def resnext_fixture():
    """Cardinal's FPN fixture script, for its images, calibration and writer."""
    path = os.path.join(ROOT, "detector", "src", "test", "resources", "model", "make_fixtures.py")
    spec = importlib.util.spec_from_file_location("resnext_fpn_fixture", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class RegNetWithFPN(nn.Module):
    """torchvision's BackboneWithFPN with the body taken by create_feature_extractor: RegNet's
    stages sit inside trunk_output, which BackboneWithFPN's IntermediateLayerGetter cannot reach."""

    def __init__(self, regnet, widths):
        super().__init__()
        nodes = OrderedDict((f"trunk_output.block{i + 1}", str(i)) for i in range(4))
        self.body = create_feature_extractor(regnet, return_nodes=nodes)
        self.fpn = FeaturePyramidNetwork(widths, FPN_CHANNELS, extra_blocks=LastLevelMaxPool())
        self.out_channels = FPN_CHANNELS

    def forward(self, x):
        return self.fpn(self.body(x))


def build(arch):
    with open(os.path.join(CONFIGS, arch + ".json")) as f:
        c = json.load(f)
    torch.manual_seed(0)
    params = R.BlockParams.from_init_params(
        depth=c["depth"], w_0=c["w0"], w_a=c["wa"], w_m=c["wm"], group_width=c["group_width"],
        bottleneck_multiplier=c.get("bottleneck_ratio", 1.0), se_ratio=c.get("se_ratio"))
    regnet = R.RegNet(params, stem_width=c.get("stem_width", 32), norm_layer=FrozenBatchNorm2d)
    with torch.no_grad():
        # Non-trivial frozen statistics so that a wrong BN formula shows.
        for m in regnet.modules():
            if isinstance(m, FrozenBatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
            if isinstance(m, nn.Conv2d) and m.bias is not None:
                m.bias.uniform_(-0.2, 0.2)
    model = FasterRCNN(
        RegNetWithFPN(regnet, list(params.widths)),
        num_classes=None,
        min_size=MIN_SIZE,
        max_size=MAX_SIZE,
        box_head=TwoMLPHead(FPN_CHANNELS * 7 * 7, REPRESENTATION),
        box_predictor=FastRCNNPredictor(REPRESENTATION, NUM_CLASSES),
    )
    with torch.no_grad():
        model.rpn.head.cls_logits.weight.normal_(0, 0.5)
        model.rpn.head.cls_logits.bias.uniform_(-1, 1)
        model.rpn.head.bbox_pred.weight.normal_(0, 0.05)
        model.roi_heads.box_predictor.bbox_pred.weight.mul_(4.0)
    return model.eval()


def main():
    fixture = resnext_fixture()
    for arch in ("regnet_y_mini",):
        out = os.path.join(HERE, arch)
        os.makedirs(out, exist_ok=True)
        rng = np.random.default_rng(7)
        images = [fixture.make_image(rng, h, w) for h, w in SIZES]
        config = {
            "backbone": arch,
            "variant": "fpn",
            "num_classes": NUM_CLASSES,
            "min_size": MIN_SIZE,
            "max_size": MAX_SIZE,
            "fpn_channels": FPN_CHANNELS,
            "representation_size": REPRESENTATION,
        }
        fixture.write(build(arch), images, SIZES, out, config)


if __name__ == "__main__":
    main()
