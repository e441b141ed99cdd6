#!/usr/bin/env bash
# One device-machine session (H100/H200, no network): the CUDA half of tests/test_devices.py and
# n-body trainings on the GPU, all at once. Wheels the machine lacks (nequip, ase, ...) travel in
# .whl (see integration/device/README.md). Everything worth keeping lands in $OUT/device.tar.gz
# (or, if the call is cut short, the logs under $OUT/logs: at most 6 runs then come back).
#   bash integration/device/check.sh "<nbody run spec>" ...
# Each spec is the nbody.py arguments of one run (split on spaces); the GPU options are added here.
# Exit status: that of the device tests.
set -u
set -f   # a spec is split into words, never glob-expanded
cd "$(dirname "$0")/../.." || exit 1
export PYTHONUNBUFFERED=1 TQDM_MININTERVAL=20
OUT=${OUT:-/tmp/device_out}; LOGS=$OUT/logs; mkdir -p "$LOGS"
START=$(mktemp); touch "$START"   # run files newer than this are this call's
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
train() {  # train LOG ARGS...: CUDA graphs first; a failure before the deadline retries without them
  local log=$1; shift
  python3 benchmarks/nbody.py "$@" --accelerator gpu --kernel sparse --compile reduce-overhead \
    --max-minutes "$(left_min)" > "$log" 2>&1 && return 0
  [ "$(date +%s)" -lt "$END" ] || return 1
  echo "reduce-overhead failed: retry with --compile default (resumes from last.ckpt)" >> "$log"
  python3 benchmarks/nbody.py "$@" --accelerator gpu --kernel sparse --compile default \
    --max-minutes "$(left_min)" >> "$log" 2>&1
}
pids=()
for spec in "$@"; do
  # shellcheck disable=SC2086
  train "$LOGS/nbody_$(( ${#pids[@]} + 1 )).log" $spec &
  pids+=($!)
done
wait "$tests"; rc_tests=$?; echo "pytest rc $rc_tests" >> "$LOGS/pytest_devices.log"
for k in "${!pids[@]}"; do
  wait "${pids[$k]}"; echo "run rc $?" >> "$LOGS/nbody_$((k + 1)).log"
done
nvidia-smi --query-gpu=name,memory.used --format=csv >> "$LOGS/env.txt" 2>&1
# at most 8 files come back: the logs alone (if the call is cut short) or one archive of the
# logs and the run files this call wrote
find benchmarks/results/nbody_runs -name '*.json' -newer "$START" > "$LOGS/new_runs.txt"
tar czf "$OUT/device.tar.gz" -C "$OUT" logs -C "$PWD" -T "$LOGS/new_runs.txt" && rm -r "$LOGS"
exit "$rc_tests"
