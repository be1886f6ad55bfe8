"""Cross-check our PGD against IBM ART on the same weights and the same images (not in CI).

    pip install -r models/train/requirements.txt -r models/train/requirements-crosscheck.txt
    ./build.sh build   # packs www/data/cifar10-test.bin: the first 1,000 class-interleaved test images
    python models/train/art_crosscheck.py --model models/cifar10_resnet9.onnx --n 500
    target/debug/mlsec attack --model models/cifar10_resnet9.onnx --attack pgd --eps 8/255 \
        --steps 10 --step 2/255 --n 500 --json

The images are read from the site's packed sample file, i.e. exactly the pixels our Rust JPEG
decoder produced for `mlsec attack --n N`; the ONNX file becomes a PyTorch module through
onnx2torch. ART's ProjectedGradientDescent (L-inf, random start, eps 8/255, step 2/255, 10
iterations) then gives its robust accuracy, printed as JSON beside the clean accuracy.
"""
import argparse
import json
import time

import numpy as np
import onnx
import torch
from onnx2torch import convert
from art.attacks.evasion import ProjectedGradientDescent
from art.estimators.classification import PyTorchClassifier


def read_packed(path, n):
    raw = open(path, "rb").read()
    if raw[:8] != b"MLSECIM1":
        raise SystemExit(f"{path} is not a packed sample file")
    count = int.from_bytes(raw[8:12], "little")
    if n > count:
        raise SystemExit(f"{path} holds {count} images; asked for {n}")
    rec = np.frombuffer(raw[12:], dtype=np.uint8).reshape(count, 3073)[:n]
    y = rec[:, 0].astype(np.int64)
    x = rec[:, 1:].reshape(n, 32, 32, 3).transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    return x, y


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--packed", default="www/data/cifar10-test.bin")
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--eps", type=float, default=8.0, help="/255")
    p.add_argument("--step", type=float, default=2.0, help="/255")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    model = convert(onnx.load(a.model)).eval()
    x, y = read_packed(a.packed, a.n)
    clf = PyTorchClassifier(model=model, loss=torch.nn.CrossEntropyLoss(), input_shape=(3, 32, 32),
                            nb_classes=10, clip_values=(0.0, 1.0))
    clean = float((clf.predict(x, batch_size=100).argmax(1) == y).mean())
    attack = ProjectedGradientDescent(clf, norm=np.inf, eps=a.eps / 255, eps_step=a.step / 255,
                                      max_iter=a.steps, num_random_init=1, batch_size=100, verbose=False)
    t = time.time()
    adv = attack.generate(x=x, y=y)
    seconds = time.time() - t
    robust = float((clf.predict(adv, batch_size=100).argmax(1) == y).mean())
    print(json.dumps({"tool": "IBM ART 1.20.1 ProjectedGradientDescent", "model": a.model, "images": a.n,
                      "eps_255": a.eps, "step_255": a.step, "steps": a.steps, "clean_acc": clean,
                      "robust_acc": robust, "linf_max": float(np.abs(adv - x).max()), "seconds": seconds}, indent=1))


if __name__ == "__main__":
    main()
