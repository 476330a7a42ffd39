#!/usr/bin/env python3
"""Recomputes expected.json of the three reference cases (basic, crowd, empty) next to this script.

Peer: pycocotools 2.0.11 (COCOeval, iouType="bbox", default parameters), from the peer venv that
tools/peer/setup-torchvision makes:  "$PEER"/bin/python expected.py [--check]

gt.json and dt.json are inputs and are never rewritten. expected.json holds pycocotools' 12 stats,
the per-category AP (mean of precision[:, :, k, 0, -1] over entries > -1, else -1) and the seconds
pycocotools took. With --check nothing is written: the script exits 1 if a number differs from
the committed file by more than 1e-12 (seconds excepted: a timing, not a result).
"""
import contextlib
import io
import json
import os
import sys
import time

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = ("basic", "crowd", "empty")


def evaluate(folder):
    start = time.time()
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO(os.path.join(folder, "gt.json"))
        coco_dt = coco_gt.loadRes(os.path.join(folder, "dt.json"))
        ev = COCOeval(coco_gt, coco_dt, iouType="bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    seconds = time.time() - start
    prec = ev.eval["precision"]
    per_cat = {}
    for k, cat in enumerate(ev.params.catIds):
        p = prec[:, :, k, 0, -1]
        per_cat[str(int(cat))] = float(np.mean(p[p > -1])) if (p > -1).any() else -1.0
    return {"stats": [float(s) for s in ev.stats], "per_category_ap": per_cat, "seconds": seconds}


def differences(old, new):
    out = []
    for i, (a, b) in enumerate(zip(old["stats"], new["stats"])):
        if abs(a - b) > 1e-12:
            out.append("stats[%d]: %r != %r" % (i, a, b))
    if len(old["stats"]) != len(new["stats"]):
        out.append("number of stats: %d != %d" % (len(old["stats"]), len(new["stats"])))
    if old["per_category_ap"].keys() != new["per_category_ap"].keys():
        out.append("categories differ")
    for c, a in old["per_category_ap"].items():
        b = new["per_category_ap"].get(c)
        if b is not None and abs(a - b) > 1e-12:
            out.append("per_category_ap[%s]: %r != %r" % (c, a, b))
    return out


def main():
    check = "--check" in sys.argv[1:]
    failed = False
    for name in CASES:
        folder = os.path.join(HERE, name)
        new = evaluate(folder)
        target = os.path.join(folder, "expected.json")
        if check:
            with open(target) as f:
                diff = differences(json.load(f), new)
            print(name, "ok" if not diff else "DIFFERS: " + "; ".join(diff))
            failed |= bool(diff)
        else:
            with open(target, "w") as f:
                json.dump(new, f, indent=1)
            print(name, "stats", ["%.4f" % s for s in new["stats"]])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
