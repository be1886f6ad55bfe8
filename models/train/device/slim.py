# Device-side: drop optimizer state from the runs' checkpoints (small files to bring back).
# python3 models/train/device/slim.py [RUNS_DIR]   (default models/train/runs/gpu)
import glob, os, sys, torch
runs = sys.argv[1] if len(sys.argv) > 1 else "models/train/runs/gpu"
for c in glob.glob(os.path.join(runs, "*/checkpoint.pt")):
    st = torch.load(c, weights_only=False, map_location="cpu")
    if st["args"]["arch"] == "resnet9x4":
        continue  # the teacher (31 MB) stays on the device; its log comes back
    torch.save({k: st[k] for k in ("model", "args", "log", "epoch")}, os.path.join(os.path.dirname(c), "slim.pt"))
    print(c, "epoch", st["epoch"], "of", st["args"]["epochs"], [e.get("test_acc") for e in st["log"] if "test_acc" in e][-3:])
