#!/usr/bin/env bash
# One device-machine session (H100/H200, no network): the CUDA half of tests/test_devices.py and
# n-body trainings on the GPU, all at once. Wheels the machine lacks (nequip, ase, ...) travel in
# .whl (see integration/device/README.md). Everything worth keeping lands in $OUT/device.tar.gz
# (or, if the call is cut short, the logs under $OUT/logs: at most 6 runs then come back).
#   bash integration/device/check.sh "<nbody run spec>" ...
# Each spec is the nbody.py arguments of one run; the GPU options are added here.
set -u
export PYTHONUNBUFFERED=1 TQDM_MININTERVAL=20
OUT=${OUT:-/tmp/device_out}; LOGS=$OUT/logs; mkdir -p "$LOGS"
{ nvidia-smi; python3 -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))"
  python3 -m pip list 2>/dev/null | grep -iE "^(torch|e3nn|lightning|nequip|ase|torch.geometric|numpy) "; } \
  > "$LOGS/env.txt" 2>&1
timeout 420 python3 -m pytest -q -p no:cacheprovider tests/test_devices.py -rs > "$LOGS/pytest_devices.log" 2>&1 &
tests=$!
# the n-body data is regenerated there (deterministic: the checksum must equal this machine's)
python3 -c "from symplugins.datasets.nbody import generate; import hashlib, numpy as np
d = np.load(generate(progress=False)); print('n-body data sha256', hashlib.sha256(b''.join(
    np.ascontiguousarray(d[k]).tobytes() for k in sorted(d.files))).hexdigest())" >> "$LOGS/env.txt" 2>&1
END=$(( $(date +%s) + ${DEADLINE_S:-420} ))   # every training run stops (Lightning max_time) by then
left_min() { python3 -c "print(max(0.5, ($END - $(date +%s)) / 60))"; }
pids=()
i=0
for spec in "$@"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  ( python3 benchmarks/nbody.py $spec --accelerator gpu --kernel sparse --compile reduce-overhead \
        --max-minutes "$(left_min)" > "$LOGS/nbody_$i.log" 2>&1 \
    || { echo "reduce-overhead failed: retry with --compile default (resumes from last.ckpt)";
         python3 benchmarks/nbody.py $spec --accelerator gpu --kernel sparse --compile default \
           --max-minutes "$(left_min)" ; } >> "$LOGS/nbody_$i.log" 2>&1 ) &
  pids+=($!)
done
wait "$tests"; echo "pytest rc $?" >> "$LOGS/pytest_devices.log"
for p in "${pids[@]}"; do wait "$p"; done
nvidia-smi --query-gpu=name,memory.used --format=csv >> "$LOGS/env.txt" 2>&1
# at most 8 files come back: the logs alone (if the call is cut short) or one archive of all
tar czf "$OUT/device.tar.gz" -C "$OUT" logs -C "$PWD/benchmarks/results" nbody_runs && rm -r "$LOGS"
