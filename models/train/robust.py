"""Adversarial fine-tuning with FGSM and a random start ("Fast is better than free",
Wong, Rice & Kolter, ICLR 2020), resumable, on the CPU or a CUDA GPU (`--device cuda`).

    python models/train/robust.py --init models/train/runs/resnet9/checkpoint.pt \
        --epochs 10 --seed 0 --out models/train/runs/resnet9-robust
    python models/train/export.py --ckpt models/train/runs/resnet9-robust/best.pt \
        --out models/cifar10_resnet9_robust.onnx

Starts from a standard checkpoint (adversarial fine-tuning) rather than from scratch, to fit
a CPU budget. Per batch: delta ~ U(-eps, eps), one signed-gradient step of 1.25 eps, clip to the
eps-ball and [0, 1], then an SGD step on the cross-entropy of the perturbed batch (no label
smoothing: it masks gradients and inflates PGD numbers). Catastrophic overfitting (FGSM-RS's
known failure: PGD accuracy collapses while FGSM accuracy soars) is watched with PGD-10 on 500
training images held out from training; `best.pt` keeps the epoch with the best PGD accuracy
(early stopping, Rice et al. 2020). Test images are never used to choose anything.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import arch
import data
from train import augment, cpu_state


def pgd(model, x, y, eps, alpha, steps, gen):
    delta = (torch.rand(x.shape, generator=gen, device=x.device) * 2 - 1) * eps
    delta = (x + delta).clamp(0, 1) - x
    for _ in range(steps):
        delta.requires_grad_(True)
        loss = F.cross_entropy(model(x + delta), y)
        g, = torch.autograd.grad(loss, delta)
        delta = (delta.detach() + alpha * g.sign()).clamp(-eps, eps)
        delta = (x + delta).clamp(0, 1) - x
    return (x + delta).detach()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--init", required=True, help="standard checkpoint to start from")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--eps", type=float, default=8.0, help="in /255 units")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--data", default=None)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)

    dev = torch.device(a.device)
    init = torch.load(a.init, weights_only=False, map_location="cpu")
    name = init["args"]["arch"]
    model = arch.ARCHS[name]().to(dev, memory_format=torch.channels_last)
    model.load_state_dict(init["model"])
    eps = a.eps / 255.0
    alpha = 1.25 * eps

    d = data.load(a.data)
    xtr = torch.from_numpy(d["xtr"]).permute(0, 3, 1, 2).contiguous()
    ytr = torch.from_numpy(d["ytr"])
    hold = torch.randperm(len(ytr), generator=torch.Generator().manual_seed(12345))[:500]
    mask = torch.ones(len(ytr), dtype=torch.bool)
    mask[hold] = False
    xho, yho = (xtr[hold].float() / 255.0).to(dev), ytr[hold].to(dev)
    xtr, ytr = xtr[mask].to(dev), ytr[mask].to(dev)
    n = len(ytr)
    steps_per_epoch = n // a.batch
    total = steps_per_epoch * a.epochs
    warm = steps_per_epoch * max(1, a.epochs // 5)

    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, nesterov=True, weight_decay=a.wd)

    def lr_at(step):
        if step < warm:
            return a.lr * step / warm
        return a.lr * max(0.0, (total - step) / (total - warm))

    args = {**vars(a), "arch": name}
    ckpt = os.path.join(a.out, "checkpoint.pt")
    start, log, best = 0, [], -1.0
    if os.path.exists(ckpt):
        st = torch.load(ckpt, weights_only=False, map_location="cpu")
        same = ("init", "epochs", "seed", "eps", "lr", "batch")
        if any(st["args"][k] != args[k] for k in same):
            raise SystemExit(f"{ckpt} was made with other settings {st['args']}; use another --out")
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        start, log, best = st["epoch"], st["log"], st["best_pgd"]
        print(f"resumed after epoch {start}", flush=True)
    print(f"{name}: FGSM-RS eps={a.eps}/255 alpha={alpha * 255:.1f}/255, {n} training images, {a.threads} threads", flush=True)

    for epoch in range(start, a.epochs):
        gen = torch.Generator().manual_seed(a.seed * 1000 + epoch)
        perm = torch.randperm(n, generator=gen).to(dev)
        if dev.type != "cpu":  # the GPU draws from its own seeded generator
            gen = torch.Generator(device=dev).manual_seed(a.seed * 1000 + epoch)
        model.train()
        t0 = time.time()
        tot, correct, seen = 0.0, 0, 0
        for i in range(steps_per_epoch):
            for g in opt.param_groups:
                g["lr"] = lr_at(epoch * steps_per_epoch + i)
            idx = perm[i * a.batch:(i + 1) * a.batch]
            x = augment(xtr[idx].float() / 255.0, gen).contiguous(memory_format=torch.channels_last)
            y = ytr[idx]
            delta = ((torch.rand(x.shape, generator=gen, device=dev) * 2 - 1) * eps).requires_grad_(True)
            loss = F.cross_entropy(model((x + delta).clamp(0, 1)), y)
            g, = torch.autograd.grad(loss, delta)
            delta = (delta.detach() + alpha * g.sign()).clamp(-eps, eps)
            xa = (x + delta).clamp(0, 1)
            out = model(xa)
            loss = F.cross_entropy(out, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tot += loss.item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
            seen += len(y)
        model.eval()
        with torch.no_grad():
            clean = (model(xho).argmax(1) == yho).float().mean().item()
        adv = pgd(model, xho, yho, eps, 2 / 255, 10, torch.Generator(device=dev).manual_seed(99))
        with torch.no_grad():
            rob = (model(adv).argmax(1) == yho).float().mean().item()
        entry = {"epoch": epoch + 1, "loss": tot / seen, "train_fgsm_acc": correct / seen,
                 "heldout_clean": clean, "heldout_pgd10": rob, "seconds": time.time() - t0}
        log.append(entry)
        print(json.dumps(entry), flush=True)
        if rob > best:
            best = rob
            torch.save({"model": cpu_state(model.state_dict()), "epoch": epoch + 1, "args": args, "log": log},
                       os.path.join(a.out, "best.pt"))
        st = {"model": cpu_state(model.state_dict()), "opt": cpu_state(opt.state_dict()), "epoch": epoch + 1,
              "log": log, "args": args, "best_pgd": best}
        torch.save(st, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)
    with open(os.path.join(a.out, "log.json"), "w") as f:
        json.dump({"args": args, "log": log}, f, indent=1)
    print("done", flush=True)


if __name__ == "__main__":
    main()
