# Device-side (models/train/device/): rebuild models/train/cache/cifar10.npz from the carried JPEG blob (same order as data.py).
import io, os, sys
import numpy as np
from concurrent.futures import ProcessPoolExecutor
from PIL import Image
cache = "models/train/cache/cifar10.npz"
def dec(args):
    b, = args
    return np.asarray(Image.open(io.BytesIO(b)).convert("RGB"), dtype=np.uint8)
def split(d, s, pool):
    raw, off = d[s + "_bytes"].tobytes(), d[s + "_off"]
    xs = list(pool.map(dec, [(raw[off[i]:off[i + 1]],) for i in range(len(off) - 1)], chunksize=500))
    return np.stack(xs), d[s + "_y"]
if __name__ == "__main__":
    if os.path.exists(cache) and "--check" not in sys.argv:
        print("cache exists"); sys.exit(0)
    d = np.load(".devrun/cifar10-jpegs.npz")
    with ProcessPoolExecutor(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 16) as pool:
        xtr, ytr = split(d, "train", pool)
        xte, yte = split(d, "test", pool)
    if "--check" in sys.argv:
        c = np.load(cache)
        print("same as local cache:", all(np.array_equal(a, c[k]) for k, a in zip(["xtr","ytr","xte","yte"], [xtr,ytr,xte,yte])))
        sys.exit(0)
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    np.savez(cache, xtr=xtr, ytr=ytr, xte=xte, yte=yte)
    print("cache", xtr.shape, xte.shape)
