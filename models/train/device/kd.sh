#!/bin/bash
# Device-side driver for the distilled standard model: one wide teacher, then four students that
# distil from it side by side on one GPU. Run from the repository root on the device machine:
#   bash models/train/device/kd.sh SECONDS      (with .devrun/ carried: python models/train/device/pack.py first)
# Checkpoints go to models/train/runs/kd/; $OUT gets kd.tar (students' slim checkpoints and every log).
export PYTHONUNBUFFERED=1
DEADLINE=${1:-530}
start=$(date +%s)
left() { echo $((DEADLINE - ($(date +%s) - start))); }
nvidia-smi -L
python3 -c "import torch, PIL, numpy; print(torch.__version__, torch.cuda.is_available(), PIL.__version__, numpy.__version__)"
python3 models/train/device/unpack.py 16 || exit 1
echo "unpacked at $(( $(date +%s) - start ))s"
R=$PWD/models/train/runs/kd; mkdir -p $R
collect() {
  python3 models/train/device/slim.py $R
  (cd $R && tar cf $OUT/kd.tar *.log */log.json */slim.pt 2>/dev/null)
  ls -la $OUT; echo "total $(( $(date +%s) - start ))s"
}
# Teacher: ResNet-9 at full width (7.8 M params), 40 epochs, bfloat16.
(cd models/train && timeout 170 python3 train.py --device cuda --threads 1 --amp --arch resnet9x4 --epochs 40 \
   --smooth 0 --seed 0 --out $R/teacher > $R/teacher.log 2>&1)
tail -3 $R/teacher.log
[ -f $R/teacher/checkpoint.pt ] || { echo "no teacher"; collect; exit 1; }
echo "teacher done at $(( $(date +%s) - start ))s"
student() {
  n=$1; shift
  (cd models/train && timeout $(left) python3 train.py --device cuda --threads 1 --amp --arch resnet9w --smooth 0 \
     --teacher $R/teacher/checkpoint.pt --kd-temp 4 --kd-alpha 0.9 --out $R/$n "$@" > $R/$n.log 2>&1)
}
student kd-e100-s0 --epochs 100 --seed 0 &
student kd-e100-s1 --epochs 100 --seed 1 &
student kd-e100-s2 --epochs 100 --seed 2 &
student kd-e120-s0 --epochs 120 --seed 0 &
while [ -n "$(jobs -r)" ]; do
  sleep 30; echo "== t=$(( $(date +%s) - start ))s"; for f in $R/kd-*.log; do echo "$(basename $f): $(tail -1 $f | cut -c1-140)"; done
done
wait
collect
