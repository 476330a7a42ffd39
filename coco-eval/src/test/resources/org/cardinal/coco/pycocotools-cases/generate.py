#!/usr/bin/env python3
"""Generates the pycocotools reference cases next to this script.

Peer: pycocotools 2.0.11 (COCOeval, iouType="bbox") with numpy 2.4.6 on Python 3.11,
from the project's peer venv:  "$PEER"/bin/python generate.py

Each case folder holds gt.json (COCO instances), dt.json (COCO results), params.json
(parameter overrides, {} for pycocotools' defaults) and expected.json: pycocotools'
stats, per-category AP (mean of precision[:, :, k, 0, -1] over entries > -1, else -1),
recall (the T x K x A x M array, flattened in C order) and the printed summary.
The data are random but seeded, so rerunning reproduces the files byte for byte.
"""
import contextlib
import io
import json
import os
import random

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

HERE = os.path.dirname(os.path.abspath(__file__))


def box_in(rng, width, height, lo=4, hi=300):
    w = rng.uniform(lo, min(hi, width - 1))
    h = rng.uniform(lo, min(hi, height - 1))
    x = rng.uniform(0, width - w)
    y = rng.uniform(0, height - h)
    return [x, y, w, h]


def jitter(rng, b, amount):
    x, y, w, h = b
    return [x + rng.gauss(0, amount * w), y + rng.gauss(0, amount * h),
            max(0.5, w * (1 + rng.gauss(0, amount))), max(0.5, h * (1 + rng.gauss(0, amount)))]


def r2(b):
    return [round(v, 2) for v in b]


def base_case(rng, num_images, cat_ids, max_gt, dets_per_gt=(0, 3), false_pos=(0, 4),
              crowd_rate=0.0, mask_area=False, score_decimals=None, round_boxes=True,
              score_choices=None):
    images, anns, dets = [], [], []
    ann_id = 1
    for i in range(num_images):
        img_id = 1 + i * 3  # sparse, out of order below
        width, height = rng.choice([(640, 480), (480, 640), (320, 240), (800, 600)])
        images.append({"id": img_id, "width": width, "height": height, "file_name": "%012d.jpg" % img_id})
        for _ in range(rng.randint(0, max_gt)):
            cat = rng.choice(cat_ids)
            b = box_in(rng, width, height)
            b = r2(b) if round_boxes else b
            crowd = 1 if rng.random() < crowd_rate else 0
            area = b[2] * b[3]
            if mask_area:
                area = round(area * rng.uniform(0.4, 1.0), 2)
            anns.append({"id": ann_id, "image_id": img_id, "category_id": cat, "bbox": b,
                         "area": area, "iscrowd": crowd})
            ann_id += 1
            for _ in range(rng.randint(*dets_per_gt)):
                d = jitter(rng, b, rng.choice([0.02, 0.05, 0.1, 0.3]))
                c = cat if rng.random() < 0.85 else rng.choice(cat_ids)
                dets.append((img_id, c, d))
        for _ in range(rng.randint(*false_pos)):
            dets.append((img_id, rng.choice(cat_ids), box_in(rng, width, height)))
    rng.shuffle(images)
    results = []
    for img_id, c, d in dets:
        if score_choices is not None:
            s = rng.choice(score_choices)
        elif score_decimals is not None:
            s = round(rng.random(), score_decimals)
        else:
            s = rng.random()
        results.append({"image_id": img_id, "category_id": c,
                        "bbox": r2(d) if round_boxes else d, "score": s})
    rng.shuffle(results)
    cats = [{"id": c, "name": "class%d" % c, "supercategory": "thing"} for c in cat_ids]
    return {"info": {}, "licenses": [], "images": images, "annotations": anns, "categories": cats}, results


def evaluate(gt, dt, params):
    with contextlib.redirect_stdout(io.StringIO()) as log:
        coco_gt = COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(dt)
        ev = COCOeval(coco_gt, coco_dt, iouType="bbox")
        if "iouThrs" in params:
            ev.params.iouThrs = np.array(params["iouThrs"])
        if "maxDets" in params:
            ev.params.maxDets = params["maxDets"]
        if "areaRng" in params:
            ev.params.areaRng = params["areaRng"]
            ev.params.areaRngLbl = params["areaRngLbl"]
        if "imgIds" in params:
            ev.params.imgIds = params["imgIds"]
        if "catIds" in params:
            ev.params.catIds = params["catIds"]
        ev.evaluate()
        ev.accumulate()
        start = log.tell()
        ev.summarize()
    summary = log.getvalue()[start:]
    prec = ev.eval["precision"]
    per_cat = {}
    for k, cat in enumerate(ev.params.catIds):
        p = prec[:, :, k, 0, -1]
        per_cat[str(int(cat))] = float(np.mean(p[p > -1])) if (p > -1).any() else -1.0
    return {"stats": [float(s) for s in ev.stats], "per_category_ap": per_cat,
            "recall": [float(v) for v in ev.eval["recall"].ravel()],
            "recall_shape": list(ev.eval["recall"].shape), "summary": summary}


def write_case(name, gt, dt, params, what):
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    # pycocotools mutates the dicts it is given; evaluate copies so the files stay as written
    expected = evaluate(json.loads(json.dumps(gt)), json.loads(json.dumps(dt)), params)
    expected["what"] = what
    for fname, obj in (("gt.json", gt), ("dt.json", dt), ("params.json", params), ("expected.json", expected)):
        with open(os.path.join(folder, fname), "w") as f:
            json.dump(obj, f, indent=None if fname != "expected.json" else 1)
    print(name, "stats", ["%.4f" % s for s in expected["stats"]])


def main():
    # ties: scores from a handful of values, so ties within and across images decide the order
    rng = random.Random(11)
    gt, dt = base_case(rng, 30, [1, 2, 3], 6, dets_per_gt=(0, 4), false_pos=(0, 5),
                       score_choices=[0.9, 0.75, 0.5, 0.5, 0.25, 1.0])
    # exact duplicates of a detection (same box, same score) and of a ground truth box
    extra = []
    for d in dt[:40]:
        extra.append(dict(d))
    dt += extra
    write_case("ties", gt, dt, {}, "score ties within and across images, duplicate detections")

    # mask areas: area != w*h, some exactly at the range borders 32^2 and 96^2
    rng = random.Random(12)
    gt, dt = base_case(rng, 30, [1, 2, 3, 4], 7, mask_area=True, score_decimals=3)
    for i, a in enumerate(gt["annotations"][:12]):
        a["area"] = [1024, 9216, 1024.0, 9216.0][i % 4]
    write_case("mask_area", gt, dt, {}, "ground-truth area field differs from w*h, areas on the range borders")

    # more than 100 detections per image (cut to maxDets after a stable score sort)
    rng = random.Random(13)
    gt, dt = base_case(rng, 4, [1, 2], 25, dets_per_gt=(3, 8), false_pos=(60, 120), score_decimals=2)
    write_case("many_dets", gt, dt, {}, "more than 100 detections per image and category")

    # results for unknown categories (ignored), gt annotations of unlisted images/categories
    rng = random.Random(14)
    gt, dt = base_case(rng, 20, [2, 5, 9], 5, score_decimals=4)
    for d in dt[::7]:
        d["category_id"] = 77
    gt["annotations"].append({"id": 100000, "image_id": 99999, "category_id": 2, "bbox": [1, 1, 50, 50],
                              "area": 2500, "iscrowd": 0})
    gt["annotations"].append({"id": 100001, "image_id": gt["images"][0]["id"], "category_id": 88,
                              "bbox": [1, 1, 50, 50], "area": 2500, "iscrowd": 0})
    write_case("unknown_categories", gt, dt, {}, "results for categories not in the ground truth")

    # crowd regions, an annotation with id 0, zero-size boxes, full-precision floats, int boxes
    rng = random.Random(15)
    gt, dt = base_case(rng, 25, [1, 3], 6, crowd_rate=0.2, round_boxes=False)
    gt["annotations"][0]["id"] = 0
    img0 = gt["annotations"][0]["image_id"]
    dt.append({"image_id": img0, "category_id": gt["annotations"][0]["category_id"],
               "bbox": list(gt["annotations"][0]["bbox"]), "score": 0.99})
    dt.append({"image_id": img0, "category_id": 1, "bbox": [10, 10, 0, 20], "score": 0.5})
    dt.append({"image_id": img0, "category_id": 3, "bbox": [10, 20, 30, 40], "score": 1})
    write_case("crowd_zero_id", gt, dt, {}, "crowd regions, annotation id 0, zero-size and integer boxes")

    # hand-made boundaries: IoU exactly at thresholds, duplicate ground truth, equal-IoU ties,
    # detections inside crowd regions, areas exactly at the range borders, images without anything
    gt = {"images": [{"id": i} for i in range(1, 9)], "categories": [{"id": 1}, {"id": 2}], "annotations": []}
    dt = []
    def ann(img, cat, box, crowd=0, area=None):
        gt["annotations"].append({"id": len(gt["annotations"]) + 1, "image_id": img, "category_id": cat, "bbox": box,
                                  "area": box[2] * box[3] if area is None else area, "iscrowd": crowd})
    def det(img, cat, box, score):
        dt.append({"image_id": img, "category_id": cat, "bbox": box, "score": score})
    ann(1, 1, [0, 0, 10, 10])
    for k, h in enumerate([5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5]):  # IoU h/10: exactly on each threshold
        det(1, 1, [0, 0, 10, h], 0.9 - k * 0.01)
    ann(2, 1, [10, 10, 40, 40]); ann(2, 1, [10, 10, 40, 40])          # the same box twice
    det(2, 1, [10, 10, 40, 40], 0.8); det(2, 1, [10, 10, 40, 40], 0.8); det(2, 1, [10, 10, 40, 40], 0.8)
    ann(3, 1, [0, 0, 20, 20]); ann(3, 1, [20, 0, 20, 20])              # a detection equally on two boxes
    det(3, 1, [10, 0, 20, 20], 0.7); det(3, 1, [10, 0, 20, 20], 0.6)
    ann(4, 2, [0, 0, 100, 100], crowd=1); ann(4, 2, [10, 10, 30, 30]) # crowd region around a regular box
    det(4, 2, [10, 10, 30, 30], 0.5); det(4, 2, [12, 12, 30, 30], 0.55); det(4, 2, [50, 50, 5, 5], 0.4)
    det(4, 2, [0, 0, 100, 100], 0.3)
    ann(5, 2, [0, 0, 32, 32]); ann(5, 2, [40, 0, 96, 96]); ann(6, 2, [0, 0, 10, 10], area=1024)
    det(5, 2, [0, 0, 32, 32], 0.9); det(5, 2, [40, 0, 96, 96], 0.9); det(6, 2, [0, 0, 10, 10], 0.2)
    det(5, 2, [200, 200, 31.9, 32], 0.95); det(5, 2, [300, 300, 96, 96.01], 0.1)
    det(7, 1, [1, 1, 1, 1], 0.5)                                       # only a false positive
    write_case("boundaries", gt, dt, {}, "IoU on the thresholds, duplicate and tied ground truth, crowd, area borders")

    # non-default parameters on one data set
    rng = random.Random(16)
    gt, dt = base_case(rng, 40, [1, 2, 3, 4, 6], 6, crowd_rate=0.05, mask_area=True, score_decimals=3)
    img_ids = sorted(im["id"] for im in gt["images"])
    write_case("params_iou_maxdets", gt, dt, {"iouThrs": [0.3, 0.5, 0.75, 0.9], "maxDets": [20, 1, 5]},
               "custom IoU thresholds and maxDets (AP at maxDets=100 is then undefined)")
    write_case("params_subsets", gt, dt, {"imgIds": img_ids[::2] + [img_ids[0]], "catIds": [4, 2, 6, 99]},
               "a subset of image ids (one repeated) and category ids (one unknown)")
    write_case("params_area", gt, dt,
               {"areaRng": [[0, 1e10], [0, 2500], [2500, 20000], [20000, 1e10]],
                "areaRngLbl": ["all", "small", "medium", "large"]},
               "custom area ranges")
    write_case("params_area_labels", gt, dt,
               {"areaRng": [[0, 1e10], [500, 4000]], "areaRngLbl": ["all", "mid"]},
               "two area ranges with a label summarize does not know (those stats are -1)")


if __name__ == "__main__":
    main()
