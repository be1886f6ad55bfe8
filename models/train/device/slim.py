# Device-side: drop optimizer state from finished/unfinished standard checkpoints (small files to bring back).
import glob, os, torch
for c in glob.glob("models/train/runs/gpu/*/checkpoint.pt"):
    st = torch.load(c, weights_only=False, map_location="cpu")
    torch.save({k: st[k] for k in ("model", "args", "log", "epoch")}, os.path.join(os.path.dirname(c), "slim.pt"))
    print(c, "epoch", st["epoch"], "of", st["args"]["epochs"], [e.get("test_acc") for e in st["log"] if "test_acc" in e][-3:])
