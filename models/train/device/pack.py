"""Pack CIFAR-10's JPEG bytes into one .npz small enough to travel to a lent GPU machine.

    python models/train/device/pack.py            # writes .devrun/cifar10-jpegs.npz (55 MB)

The device tool carries at most 64 MiB with the working tree; the zip itself (63 MB, most of
it per-member headers) does not fit beside the repository, its JPEG bytes do. On the device,
`unpack.py` decodes them (PIL, same order as data.py) into models/train/cache/cifar10.npz,
which train.py and robust.py then read. `.devrun/` must be listed in .git/info/exclude and
named in the run's `carry`; see go.sh for the run that trained the committed models.
"""
import os
import sys
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import data  # noqa: E402

out = {}
with zipfile.ZipFile(os.path.join(data.data_dir(), "cifar10-jpeg.zip")) as z:
    for split in ("train", "test"):
        names = sorted(n for n in z.namelist() if n.startswith(split + "/") and n.lower().endswith(".jpg"))
        blobs = [z.read(n) for n in names]
        out[split + "_bytes"] = np.frombuffer(b"".join(blobs), dtype=np.uint8)
        out[split + "_off"] = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
        out[split + "_y"] = np.array([data.CLASSES.index(n.split("/")[1]) for n in names], dtype=np.int64)
os.makedirs(".devrun", exist_ok=True)
np.savez(".devrun/cifar10-jpegs.npz", **out)
print("wrote .devrun/cifar10-jpegs.npz")
