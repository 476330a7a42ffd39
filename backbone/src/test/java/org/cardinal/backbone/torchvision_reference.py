"""Reference numbers for the backbone tests, from torchvision itself.

Peer used: the peer venv (PyTorch 2.14.1, torchvision 0.29.1); Debian's python3-torchvision gives the
same counts. Run:  python torchvision_reference.py   (prints the numbers pasted into
ComplexityTest / ResNetTest and rewrites resnext_tiny_keys.txt next to the tests' resources).

- parameter counts: sum(p.numel() for p in model.parameters())
- MACs: torch.utils.flop_counter.FlopCounterMode total FLOPs / 2 (conv + linear, as torchvision's tables)
- state_dict keys of the tiny ResNeXt (torchvision's _make_layer with 16 base channels)
"""
import os

import torch
import torch.nn as nn
import torchvision
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet


def narrow(block, groups, width_per_group, base, num_classes):
    """torchvision's ResNet with `base` stem channels (planes base, 2base, 4base, 8base)."""
    m = ResNet(block, [1, 1, 1, 1], num_classes=num_classes, groups=groups, width_per_group=width_per_group)
    m.inplanes = base
    m.conv1 = nn.Conv2d(3, base, 7, 2, 3, bias=False)
    m.bn1 = nn.BatchNorm2d(base)
    m.layer1 = m._make_layer(block, base, 1)
    m.layer2 = m._make_layer(block, base * 2, 1, stride=2)
    m.layer3 = m._make_layer(block, base * 4, 1, stride=2)
    m.layer4 = m._make_layer(block, base * 8, 1, stride=2)
    m.fc = nn.Linear(base * 8 * block.expansion, num_classes)
    return m


models = {
    "resnet18": torchvision.models.resnet18,
    "resnet34": torchvision.models.resnet34,
    "resnet50": torchvision.models.resnet50,
    "resnet101": torchvision.models.resnet101,
    "resnet152": torchvision.models.resnet152,
    "resnext50_32x4d": torchvision.models.resnext50_32x4d,
    # torchvision has no builder for 32x4d at depth 101; same class, same arguments as the paper.
    "resnext101_32x4d": lambda: ResNet(Bottleneck, [3, 4, 23, 3], groups=32, width_per_group=4),
    "resnext101_32x8d": torchvision.models.resnext101_32x8d,
    "resnext101_64x4d": torchvision.models.resnext101_64x4d,
    "resnet_tiny": lambda: narrow(BasicBlock, 1, 64, 16, 10),
    "resnext_tiny": lambda: narrow(Bottleneck, 4, 8, 16, 10),
    "resnet_mini": lambda: narrow(Bottleneck, 1, 64, 16, 10),
    "resnext_mini_4x16d": lambda: narrow(Bottleneck, 4, 16, 16, 10),
    "resnext_mini_16x8d": lambda: narrow(Bottleneck, 16, 8, 16, 10),
}
for name, build in models.items():
    m = build().eval()
    params = sum(p.numel() for p in m.parameters())
    line = [name, str(params)]
    if name in ("resnet18", "resnet50", "resnext50_32x4d", "resnet_tiny", "resnext_tiny"):
        for size in (224, 97):
            with FlopCounterMode(display=False) as fc:
                m(torch.zeros(1, 3, size, size))
            line.append(f"macs@{size}={fc.get_total_flops() // 2}")
    print(" ".join(line))

here = os.path.dirname(os.path.abspath(__file__))
res = os.path.join(here, "..", "..", "..", "..", "resources", "org", "cardinal", "backbone")
os.makedirs(res, exist_ok=True)
with open(os.path.join(res, "resnext_tiny_keys.txt"), "w") as f:
    for k in models["resnext_tiny"]().state_dict().keys():
        f.write(k + "\n")
