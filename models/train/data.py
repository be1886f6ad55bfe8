"""Read CIFAR-10 from the ImageFolder zip of JPEGs (../shared/datasets/cifar10-jpeg.zip).

The zip is read at training time and decoded once into uint8 arrays cached under
models/train/cache/ (git-ignored). Nothing from the zip is ever committed.
"""
import io
import os
import zipfile

import numpy as np
from PIL import Image

CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
           "dog", "frog", "horse", "ship", "truck"]


def data_dir(arg=None):
    """--data DIR, else $MLSEC_DATA, else ../shared/datasets (relative to the repo root)."""
    if arg:
        return arg
    if os.environ.get("MLSEC_DATA"):
        return os.environ["MLSEC_DATA"]
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "datasets"))


def load_split(zip_path, split):
    """Return (x uint8 [N,32,32,3], y int64 [N]) in the zip's order (class, then file name)."""
    xs, ys = [], []
    with zipfile.ZipFile(zip_path) as z:
        names = sorted(n for n in z.namelist()
                       if n.startswith(split + "/") and n.lower().endswith(".jpg"))
        for n in names:
            cls = n.split("/")[1]
            img = Image.open(io.BytesIO(z.read(n))).convert("RGB")
            if img.size != (32, 32):
                raise ValueError(f"{n}: expected 32x32, got {img.size}")
            xs.append(np.asarray(img, dtype=np.uint8))
            ys.append(CLASSES.index(cls))
    return np.stack(xs), np.asarray(ys, dtype=np.int64)


def load(data=None, cache_dir=None):
    """Decode train and test once, cache as .npz; return dict of arrays."""
    cache_dir = cache_dir or os.path.join(os.path.dirname(os.path.abspath(__file__)), "cache")
    cache = os.path.join(cache_dir, "cifar10.npz")
    if os.path.exists(cache):
        d = np.load(cache)
        return {k: d[k] for k in d.files}
    zip_path = os.path.join(data_dir(data), "cifar10-jpeg.zip")
    if not os.path.exists(zip_path):
        raise SystemExit(f"CIFAR-10 not found at {zip_path}: set --data DIR or MLSEC_DATA "
                         "to the folder holding cifar10-jpeg.zip")
    os.makedirs(cache_dir, exist_ok=True)
    xtr, ytr = load_split(zip_path, "train")
    xte, yte = load_split(zip_path, "test")
    np.savez(cache, xtr=xtr, ytr=ytr, xte=xte, yte=yte)
    return {"xtr": xtr, "ytr": ytr, "xte": xte, "yte": yte}
