#!/bin/bash
# Device-side driver: several trainings at once on one GPU, each followed by its FGSM-RS fine-tune.
# Run from the repository root on the device machine: bash models/train/device/go.sh SECONDS
# (with .devrun/ carried: python models/train/device/pack.py first). Checkpoints go to
# models/train/runs/gpu/ (kept while the machine stays warm: rerun to resume); $OUT gets
# std.tar (slim standard checkpoints + logs) and robust.tar (best robust checkpoints).
export PYTHONUNBUFFERED=1
DEADLINE=${1:-470}
start=$(date +%s)
nvidia-smi -L
python3 -c "import torch, PIL, numpy; print(torch.__version__, torch.cuda.is_available(), PIL.__version__, numpy.__version__)"
python3 models/train/device/unpack.py 16 || exit 1
R=$PWD/models/train/runs/gpu; mkdir -p $R
left() { echo $((DEADLINE - ($(date +%s) - start))); }
job() {
  n=$1; shift
  (cd models/train && timeout $(left) python3 train.py --device cuda --threads 1 --seed 0 --out $R/$n "$@" >> $R/$n.log 2>&1 &&
   timeout $(left) python3 robust.py --device cuda --threads 1 --init $R/$n/checkpoint.pt --epochs 15 --seed 0 --out $R/$n-robust >> $R/$n-robust.log 2>&1)
}
job r9-e100-s0 --arch resnet9 --epochs 100 --smooth 0 &
job r9w-e100-s0 --arch resnet9w --epochs 100 --smooth 0 &
job r9w-e100-s01 --arch resnet9w --epochs 100 --smooth 0.1 &
job r20-e160-s0 --arch resnet20 --epochs 160 --smooth 0 &
job r9w-e200-s0 --arch resnet9w --epochs 200 --smooth 0 &
job r9-e200-s0 --arch resnet9 --epochs 200 --smooth 0 &
while [ -n "$(jobs -r)" ]; do
  sleep 60; echo "== t=$(( $(date +%s) - start ))s"; for f in $R/*.log; do echo "$(basename $f): $(tail -1 $f | cut -c1-150)"; done
done
wait
python3 models/train/device/slim.py
cd $R && tar cf $OUT/std.tar *.log */log.json $(ls -d */slim.pt | grep -v robust) 2>/dev/null
tar cf $OUT/robust.tar *-robust/best.pt 2>/dev/null
ls -la $OUT; echo "total $(( $(date +%s) - start ))s"
