#!/usr/bin/env python3
"""Writes the image-decoding fixtures next to this script, and what PIL makes of them.

Peer: Pillow from the project's peer venv (tools/peer/setup-torchvision DIR):
    "$PEER"/bin/python make_fixtures.py

  cmyk.jpg            64x32 CMYK JPEG (Adobe APP14, inverted, as Photoshop writes it) that embeds an
                      ICC profile, as Photoshop's do. The JDK's reader refuses any CMYK JPEG with a
                      profile ("Unsupported Image Type"). Pillow cannot make a CMYK profile, so the
                      profile is its sRGB one: a reader must ignore a profile that does not fit the
                      image, as TwelveMonkeys does (PIL ignores every profile).
  ycck.jpg            the same patches as YCCK (Adobe transform 2), the other way Photoshop stores
                      CMYK. Pillow writes no YCCK: the script stores the YCC+K samples as a CMYK
                      JPEG and then sets the transform byte of its Adobe segment to 2.
  icc_duplicate.jpg   an RGB JPEG whose ICC profile segment appears twice, as some broken writers
                      leave it; the JDK refuses it ("Invalid icc profile: duplicate sequence numbers").
  orientation_N.jpg   N = 1..8: the same 48x32 stored picture, quadrants red (top left), green (top
                      right), blue (bottom left), white (bottom right), with EXIF Orientation N.
  expected.json       per file: the upright size and the RGB at each patch centre, as
                      PIL.ImageOps.exif_transpose(Image.open(f)).convert("RGB") gives them.

The CMYK patches, row by row: white cyan magenta yellow / black red green blue. Patches are flat
and on 8-pixel block borders, saved without chroma subsampling at quality 95, so JPEG leaves
their centres within a few levels of the drawn colour. The files are the same on every run.
"""
import json
import os
import struct

import numpy as np
from PIL import Image, ImageCms, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))

CMYK_PATCHES = [  # (name, C, M, Y, K) ink, 0 = none
    ("white", 0, 0, 0, 0), ("cyan", 255, 0, 0, 0), ("magenta", 0, 255, 0, 0), ("yellow", 0, 0, 255, 0),
    ("black", 0, 0, 0, 255), ("red", 0, 255, 255, 0), ("green", 255, 0, 255, 0), ("blue", 255, 255, 0, 0),
]
QUADRANTS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]
JPEG = {"quality": 95, "subsampling": 0}


def path(name):
    return os.path.join(HERE, name)


def ink():
    """64x32x4 ink amounts (0..255) of the eight patches."""
    a = np.zeros((32, 64, 4), np.uint8)
    for i, (_, *cmyk) in enumerate(CMYK_PATCHES):
        x0, y0 = 16 * (i % 4), 16 * (i // 4)
        a[y0:y0 + 16, x0:x0 + 16] = cmyk
    return a


def srgb_profile():
    """Pillow's sRGB profile, dated 2000-01-01 instead of now so that the files do not change."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = struct.pack(">6H", 2000, 1, 1, 0, 0, 0)  # the header's creation date and time
    return bytes(profile)


def cmyk():
    Image.fromarray(ink(), "CMYK").save(path("cmyk.jpg"), icc_profile=srgb_profile(), **JPEG)


def ycck():
    a = ink().astype(np.float64)
    # libjpeg's YCCK: YCbCr (JFIF, full range) of (C, M, Y) taken as R, G, B, and K stored as 255 - K;
    # Pillow writes CMYK inverted (Adobe style), so it is handed 255 - sample to store the sample
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
    samples = np.clip(np.rint(np.stack([y, cb, cr, 255 - a[..., 3]], -1)), 0, 255).astype(np.uint8)
    Image.fromarray(255 - samples, "CMYK").save(path("ycck.jpg"), **JPEG)
    data = bytearray(open(path("ycck.jpg"), "rb").read())
    at = data.find(b"\xff\xee\x00\x0eAdobe")  # APP14: length, "Adobe", version, flags0, flags1, transform
    assert at >= 0 and data[at + 15] == 0, "Pillow wrote no Adobe segment with transform 0"
    data[at + 15] = 2
    with open(path("ycck.jpg"), "wb") as f:
        f.write(data)


def icc_duplicate():
    Image.fromarray(quadrants()).save(path("icc_duplicate.jpg"), icc_profile=srgb_profile(), **JPEG)
    data = open(path("icc_duplicate.jpg"), "rb").read()
    at = data.find(b"\xff\xe2")
    end = at + 2 + int.from_bytes(data[at + 2:at + 4], "big")
    with open(path("icc_duplicate.jpg"), "wb") as f:
        f.write(data[:end] + data[at:end] + data[end:])


def quadrants():
    a = np.zeros((32, 48, 3), np.uint8)
    for i, rgb in enumerate(QUADRANTS):
        x0, y0 = 24 * (i % 2), 16 * (i // 2)
        a[y0:y0 + 16, x0:x0 + 24] = rgb
    return a


def oriented(n):
    exif = Image.Exif()
    exif[0x0112] = n
    Image.fromarray(quadrants()).save(path("orientation_%d.jpg" % n), exif=exif.tobytes(), **JPEG)


def pil_view(name, cols, rows):
    """Upright size and the RGB at the centre of each cell of a cols x rows grid, row by row."""
    with Image.open(path(name)) as im:
        up = ImageOps.exif_transpose(im).convert("RGB")
    w, h = up.size
    points = [(int((c + 0.5) * w / cols), int((r + 0.5) * h / rows)) for r in range(rows) for c in range(cols)]
    return {"width": w, "height": h, "points": [{"x": x, "y": y, "rgb": list(up.getpixel((x, y)))} for x, y in points]}


def main():
    cmyk()
    ycck()
    icc_duplicate()
    expected = {name: pil_view(name, 4, 2) for name in ("cmyk.jpg", "ycck.jpg")}
    expected["icc_duplicate.jpg"] = pil_view("icc_duplicate.jpg", 2, 2)
    for n in range(1, 9):
        oriented(n)
        expected["orientation_%d.jpg" % n] = pil_view("orientation_%d.jpg" % n, 2, 2)
    with open(path("expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    for name, e in expected.items():
        print(name, e["width"], "x", e["height"], [p["rgb"] for p in e["points"]])


if __name__ == "__main__":
    main()
