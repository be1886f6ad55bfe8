"""Train a compact CIFAR-10 classifier, resumably, on the CPU or a CUDA GPU (`--device cuda`).

    python models/train/train.py --arch resnet9 --epochs 30 --seed 0 --out models/train/runs/resnet9
    (kill it at any time; the same command continues from the last epoch checkpoint)

Recipe: SGD with Nesterov momentum, one-cycle learning rate (linear warm-up then linear decay,
stepped per batch), weight decay, label smoothing, random crop (reflect pad 4), horizontal flip
and Cutout(8). With `--teacher CKPT` (another run's checkpoint.pt) the loss is knowledge
distillation (Hinton et al. 2015): alpha * T^2 * KL(softmax(teacher/T) || softmax(student/T))
+ (1 - alpha) * cross-entropy, the teacher (in eval mode) seeing the same augmented batch as the
student. `--amp` runs forward/backward under bfloat16 autocast on CUDA. Everything is seeded; the data order of epoch e depends only on (seed, e), so a
resumed run sees the same batches as an uninterrupted one. On a GPU the augmentation draws from
a CUDA generator (same seeds), so a GPU run is reproducible on the same GPU but is not
bit-identical to a CPU run. Checkpoints hold CPU tensors and load on either.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import arch
import data


def augment(xb, gen):
    """xb: float [B,3,32,32] in [0,1]. Random crop (reflect pad 4), flip, Cutout 8x8."""
    b, dev = xb.shape[0], xb.device
    padded = F.pad(xb, (4, 4, 4, 4), mode="reflect")
    dx = torch.randint(0, 9, (b,), generator=gen, device=dev)
    dy = torch.randint(0, 9, (b,), generator=gen, device=dev)
    # gather crops with an index grid (no Python loop over images)
    ar = torch.arange(32, device=dev)
    rows = (dy[:, None] + ar[None, :])  # [B,32]
    cols = (dx[:, None] + ar[None, :])
    out = padded[torch.arange(b, device=dev)[:, None, None, None],
                 torch.arange(3, device=dev)[None, :, None, None],
                 rows[:, None, :, None], cols[:, None, None, :]]
    flip = torch.rand(b, generator=gen, device=dev) < 0.5
    out = torch.where(flip[:, None, None, None], out.flip(3), out)
    cy = torch.randint(0, 32, (b,), generator=gen, device=dev)
    cx = torch.randint(0, 32, (b,), generator=gen, device=dev)
    yy = ar[None, :, None]
    xx = ar[None, None, :]
    mask = ((yy - cy[:, None, None]).abs() < 4) & ((xx - cx[:, None, None]).abs() < 4)
    return out * (~mask)[:, None, :, :]


def evaluate(model, x, y, bs=1000, device="cpu"):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), bs):
            xb = torch.from_numpy(x[i:i + bs]).to(device).permute(0, 3, 1, 2).float() / 255.0
            correct += (model(xb).argmax(1).cpu().numpy() == y[i:i + bs]).sum()
    model.train()
    return correct / len(x)


def cpu_state(sd):
    """A state dict with every tensor on the CPU (so a GPU checkpoint loads anywhere)."""
    if isinstance(sd, dict):
        return {k: cpu_state(v) for k, v in sd.items()}
    if isinstance(sd, list):
        return [cpu_state(v) for v in sd]
    return sd.cpu() if torch.is_tensor(sd) else sd


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", default="resnet9", choices=sorted(arch.ARCHS))
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=0.2)
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--smooth", type=float, default=0.2)
    p.add_argument("--warmup", type=float, default=0.2, help="fraction of steps spent warming up")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=int(os.environ.get("TRAIN_THREADS", "2")))
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--data", default=None)
    p.add_argument("--out", default=None)
    p.add_argument("--bench", type=int, default=0, help="time N batches and exit")
    p.add_argument("--teacher", default=None, help="checkpoint.pt of a trained run to distil from")
    p.add_argument("--kd-temp", type=float, default=4.0)
    p.add_argument("--kd-alpha", type=float, default=0.9)
    p.add_argument("--amp", action="store_true", help="bfloat16 autocast (CUDA only)")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    out = a.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs", a.arch)
    os.makedirs(out, exist_ok=True)

    dev = torch.device(a.device)
    torch.backends.cudnn.benchmark = dev.type == "cuda"
    model = arch.ARCHS[a.arch]().to(dev, memory_format=torch.channels_last)  # ~25% faster convs on CPU
    nparams = sum(p.numel() for p in model.parameters())
    print(f"{a.arch}: {nparams} parameters, {arch.count_macs(model)} MACs, {a.threads} threads", flush=True)

    d = data.load(a.data)
    teacher = None
    if a.teacher:
        tst = torch.load(a.teacher, weights_only=False, map_location="cpu")
        teacher = arch.ARCHS[tst["args"]["arch"]]().to(dev, memory_format=torch.channels_last)
        teacher.load_state_dict(tst["model"])
        teacher.eval()
        for prm in teacher.parameters():
            prm.requires_grad_(False)
        print(f"teacher {tst['args']['arch']} after epoch {tst['epoch']}: test accuracy "
              f"{evaluate(teacher, d['xte'], d['yte'], device=dev):.4f}", flush=True)
        teacher.eval()  # evaluate() leaves a model in train mode
    use_amp = a.amp and dev.type == "cuda"
    xtr = torch.from_numpy(d["xtr"]).permute(0, 3, 1, 2).contiguous().to(dev)  # uint8 NCHW
    ytr = torch.from_numpy(d["ytr"]).to(dev)
    n = len(ytr)
    steps_per_epoch = n // a.batch
    total = steps_per_epoch * a.epochs

    decay, no_decay = [], []
    for name, prm in model.named_parameters():
        (no_decay if prm.ndim <= 1 else decay).append(prm)
    opt = torch.optim.SGD([{"params": decay, "weight_decay": a.wd},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=a.lr, momentum=0.9, nesterov=True)
    warm = max(1, int(a.warmup * total))

    def lr_at(step):
        if step < warm:
            return a.lr * step / warm
        return a.lr * max(0.0, (total - step) / (total - warm))

    ckpt = os.path.join(out, "checkpoint.pt")
    start_epoch = 0
    log = []
    if os.path.exists(ckpt) and not a.bench:
        st = torch.load(ckpt, weights_only=False, map_location="cpu")
        same = ("arch", "epochs", "seed", "smooth", "lr", "batch", "wd", "warmup", "teacher", "kd_temp", "kd_alpha")
        if any(k in st["args"] and st["args"][k] != getattr(a, k) for k in same):
            raise SystemExit(f"{ckpt} was made with other settings {st['args']}; use another --out")
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        start_epoch = st["epoch"]
        log = st["log"]
        print(f"resumed from {ckpt} after epoch {start_epoch}", flush=True)

    model.train()
    for epoch in range(start_epoch, a.epochs):
        gen = torch.Generator().manual_seed(a.seed * 1000 + epoch)
        perm = torch.randperm(n, generator=gen).to(dev)
        if dev.type != "cpu":  # augmentation draws on the GPU from its own seeded generator
            gen = torch.Generator(device=dev).manual_seed(a.seed * 1000 + epoch)
        t0 = time.time()
        tot_loss, seen = 0.0, 0
        for i in range(steps_per_epoch):
            step = epoch * steps_per_epoch + i
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            idx = perm[i * a.batch:(i + 1) * a.batch]
            xb = augment(xtr[idx].float() / 255.0, gen).contiguous(memory_format=torch.channels_last)
            yb = ytr[idx]
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_amp):
                logits = model(xb)
                if teacher is not None:
                    with torch.no_grad():
                        tlogits = teacher(xb)
            logits = logits.float()
            loss = F.cross_entropy(logits, yb, label_smoothing=a.smooth)
            if teacher is not None:
                t = a.kd_temp
                kd = F.kl_div(F.log_softmax(logits / t, 1), F.log_softmax(tlogits.float() / t, 1),
                              log_target=True, reduction="batchmean") * t * t
                loss = a.kd_alpha * kd + (1 - a.kd_alpha) * loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tot_loss += loss.item() * len(yb)
            seen += len(yb)
            if a.bench and i + 1 == a.bench:
                dt = time.time() - t0
                print(f"bench: {seen / dt:.0f} img/s -> {n / (seen / dt) / 60:.1f} min/epoch", flush=True)
                return
        dt = time.time() - t0
        entry = {"epoch": epoch + 1, "loss": tot_loss / seen, "seconds": dt, "img_per_s": seen / dt}
        if (epoch + 1) % 5 == 0 or epoch + 1 == a.epochs:
            entry["test_acc"] = float(evaluate(model, d["xte"], d["yte"], device=dev))
        log.append(entry)
        print(json.dumps(entry), flush=True)
        st = {"model": cpu_state(model.state_dict()), "opt": cpu_state(opt.state_dict()), "epoch": epoch + 1,
              "log": log, "args": vars(a)}
        torch.save(st, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)
    with open(os.path.join(out, "log.json"), "w") as f:
        json.dump({"args": vars(a), "params": nparams, "macs": arch.count_macs(model), "log": log}, f, indent=1)
    print("done", flush=True)


if __name__ == "__main__":
    main()
