"""Scanner benchmark and comparison, run by `./build.sh bench` (bench/requirements.txt).

    python bench/scan_bench.py MLSEC_BINARY > scan.json

1. Speed: a ~100 MB state-dict pickle (an OrderedDict of float32 arrays, as pickle.dumps
   writes it: array bytes inline) and a ~100 MB PyTorch zip checkpoint (data.pkl + one stored
   member per tensor, written here with zipfile; no torch needed). Each file is scanned by
   `mlsec scan` and by `modelscan` as command-line runs, best of 3 wall-clock times each, in
   the same run; MB/s = file size / time.
2. Detection: every file of the fixture corpus (tests/fixtures/scan) through mlsec scan,
   modelscan, picklescan and fickling; a hostile file is caught when the tool reports it
   (non-zero "issues found" exit), a benign one is a false positive when it does.

Nothing here loads the files it generates or scans.
"""
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import OrderedDict

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(ROOT, "tests", "fixtures", "scan")
BIN = os.path.dirname(sys.executable)


def tool(name):
    return os.path.join(BIN, name) if os.path.exists(os.path.join(BIN, name)) else shutil.which(name)


def state_dict(total_mb, seed=0):
    rng = np.random.default_rng(seed)
    sd = OrderedDict()
    per = 4 << 20  # 4 MiB tensors
    for i in range(max(1, (total_mb << 20) // per)):
        sd[f"layer{i}.weight"] = rng.standard_normal(per // 4, dtype=np.float32).reshape(-1, 256)
        sd[f"layer{i}.bias"] = rng.standard_normal(256, dtype=np.float32)
    return sd


def torch_zip(path, sd):
    """The PyTorch zip layout: archive/data.pkl (written opcode by opcode, as torch.save writes
    a state dict: OrderedDict of _rebuild_tensor_v2 calls on persistent-id storages) and
    archive/data/<key> holding each storage's bytes."""
    def u(text):
        b = text.encode()
        return b"X" + struct.pack("<I", len(b)) + b

    def i(v):
        return b"J" + struct.pack("<i", v)

    def tup(items):
        return b"(" + b"".join(items) + b"t"

    body = b"\x80\x02ccollections\nOrderedDict\n)R("
    for n, (k, v) in enumerate(sd.items()):
        stride = [int(np.prod(v.shape[j + 1:])) for j in range(v.ndim)]
        pid = tup([u("storage"), b"ctorch\nFloatStorage\n", u(str(n)), u("cpu"), i(v.size)]) + b"Q"
        args = tup([pid, i(0), tup([i(d) for d in v.shape]), tup([i(d) for d in stride]), b"\x89",
                    b"ccollections\nOrderedDict\n)R"])
        body += u(k) + b"ctorch._utils\n_rebuild_tensor_v2\n" + args + b"R"
    body += b"u."
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", body)
        z.writestr("archive/byteorder", "little")
        for n, v in enumerate(sd.values()):
            z.writestr(f"archive/data/{n}", v.tobytes())
        z.writestr("archive/version", "3\n")


def best_of(cmd, n=3):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tempfile.gettempdir())
        times.append(time.perf_counter() - t)
    return min(times), p.returncode


def speed(mlsec):
    out = {}
    with tempfile.TemporaryDirectory() as d:
        sd = state_dict(96)
        pkl = os.path.join(d, "state_dict.pkl")
        with open(pkl, "wb") as f:
            pickle.dump(sd, f, protocol=4)
        zp = os.path.join(d, "checkpoint.pt")
        torch_zip(zp, sd)
        for name, path in (("state_dict_pickle", pkl), ("torch_zip", zp)):
            size = os.path.getsize(path)
            ours, rc1 = best_of([mlsec, "scan", path, "--format", "json"])
            theirs, rc2 = best_of([tool("modelscan"), "-p", path, "-r", "json"])
            out[name] = {
                "bytes": size,
                "mlsec_seconds": round(ours, 4),
                "mlsec_mb_per_s": round(size / 1e6 / ours, 1),
                "mlsec_exit": rc1,
                "modelscan_seconds": round(theirs, 4),
                "modelscan_mb_per_s": round(size / 1e6 / theirs, 1),
                "modelscan_exit": rc2,
                "speedup": round(theirs / ours, 1),
            }
    return out


def caught(name, path, mlsec):
    """Did each tool flag the file? (True/False; 'error' when it failed to scan)."""
    r = {}
    p = subprocess.run([mlsec, "scan", path, "--fail-on", "low"], capture_output=True)
    r["mlsec"] = {0: False, 1: True}.get(p.returncode, "error")
    p = subprocess.run([tool("modelscan"), "-p", path], capture_output=True, cwd=tempfile.gettempdir())
    r["modelscan"] = {0: False, 1: True, 3: False}.get(p.returncode, "error")
    p = subprocess.run([tool("picklescan"), "--path", path], capture_output=True, cwd=tempfile.gettempdir())
    r["picklescan"] = {0: False, 1: True}.get(p.returncode, "error")
    p = subprocess.run([tool("fickling"), "--check-safety", path], capture_output=True, cwd=tempfile.gettempdir())
    r["fickling"] = {0: False, 1: True}.get(p.returncode, "error")
    return r


def detection(mlsec):
    with open(os.path.join(CORPUS, "manifest.json")) as f:
        m = json.load(f)
    tools = ["mlsec", "modelscan", "picklescan", "fickling"]
    table = {t: {"caught": 0, "missed": [], "errors_on_hostile": 0, "false_positives": [], "benign_clean": 0} for t in tools}
    for name in m["malicious"]:
        res = caught(name, os.path.join(CORPUS, "malicious", name), mlsec)
        for t in tools:
            if res[t] is True:
                table[t]["caught"] += 1
            else:
                table[t]["missed"].append(name)
                if res[t] == "error":
                    table[t]["errors_on_hostile"] += 1
    for name in m["benign"]:
        res = caught(name, os.path.join(CORPUS, "benign", name), mlsec)
        for t in tools:
            if res[t] is True:
                table[t]["false_positives"].append(name)
            elif res[t] is False:
                table[t]["benign_clean"] += 1
    return {"hostile": len(m["malicious"]), "benign": len(m["benign"]), "tools": table}


def versions():
    from importlib.metadata import version
    return {p: version(p) for p in ("modelscan", "picklescan", "fickling")}


if __name__ == "__main__":
    mlsec = os.path.abspath(sys.argv[1])
    print(json.dumps({"speed": speed(mlsec), "detection": detection(mlsec), "versions": versions()}, indent=1))
