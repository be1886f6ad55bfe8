"""Export a trained checkpoint to ONNX: input `input` [N,3,32,32] RGB in [0,1], output
`logits` [N,10], opset 13, IR version 8 (onnxruntime-web 1.30 refuses IR 14), BatchNorm
folded into Conv. Checks the op set against what our Rust `nn` engine mirrors.

    python models/train/export.py --ckpt models/train/runs/resnet9/checkpoint.pt --out models/cifar10_resnet9.onnx
"""
import argparse
import hashlib

import numpy as np
import onnx
import torch

import arch

ALLOWED = {"Conv", "BatchNormalization", "Relu", "Add", "MaxPool", "AveragePool",
           "GlobalAveragePool", "Flatten", "Reshape", "Gemm", "MatMul"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    st = torch.load(a.ckpt, weights_only=False, map_location="cpu")
    model = arch.ARCHS[st["args"]["arch"]]()
    model.load_state_dict(st["model"])
    model.eval()
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    torch.onnx.export(model, x, a.out, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, opset_version=13,
                      do_constant_folding=True, dynamo=False,
                      training=torch.onnx.TrainingMode.EVAL)
    m = onnx.load(a.out)
    m.ir_version = 8
    ops = {n.op_type for n in m.graph.node}
    bad = ops - ALLOWED
    if bad:
        raise SystemExit(f"exported graph uses ops the nn engine does not mirror: {sorted(bad)}")
    onnx.checker.check_model(m)
    onnx.save(m, a.out)
    params = sum(int(np.prod(t.dims)) for t in m.graph.initializer)
    with torch.no_grad():
        ref = model(x).numpy()
    try:
        import onnxruntime as ort
        got = ort.InferenceSession(a.out).run(None, {"input": x.numpy()})[0]
        print("max |torch - onnxruntime| =", float(np.abs(ref - got).max()))
    except ImportError:
        pass
    digest = hashlib.sha256(open(a.out, "rb").read()).hexdigest()
    print(f"{a.out}: ops {sorted(ops)}, {params} parameters in initializers, "
          f"{arch.count_macs(model)} MACs, sha256 {digest}")


if __name__ == "__main__":
    main()
