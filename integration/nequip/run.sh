#!/usr/bin/env bash
# End-to-end nequip host check for CG-EGNN, one scripted run:
#   nequip-train (config.yaml, xTB ethanol) -> nequip-package build -> nequip-compile
#   --mode aotinductor --target ase -> ASE MD with NequIPCalculator.from_compiled_model
#   -> nequip's compile test subset (BaseEnergyModelTests: test_ase_compile, ...).
# Usage: integration/nequip/run.sh [WORK_DIR]   (output recorded in RESULT.md)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${1:-/tmp/symplugins-integration-nequip}"
mkdir -p "$WORK"
export OMP_NUM_THREADS=1
# 300 frames of GFN2-xTB ethanol at 500 K (resumable generator; ~10 s)
DATA="$WORK/ethanol_500K_300.extxyz"
symplugins xtb ethanol --out "$DATA" --frames 300 --every 10 --temperature 500 --seed 0

echo "== nequip-train"; t0=$SECONDS
nequip-train -cp "$HERE" -cn config.yaml hydra.run.dir="$WORK/train" data_file="$DATA"
echo "   train: $((SECONDS - t0)) s"

echo "== nequip-package build"; t0=$SECONDS
nequip-package build "$WORK/train/last.ckpt" "$WORK/cgegnn.nequip.zip"
echo "   package: $((SECONDS - t0)) s, $(du -h "$WORK/cgegnn.nequip.zip" | cut -f1)"

echo "== nequip-compile --mode aotinductor --target ase"; t0=$SECONDS
nequip-compile "$WORK/cgegnn.nequip.zip" "$WORK/cgegnn.nequip.pt2" \
  --device cpu --mode aotinductor --target ase
echo "   compile: $((SECONDS - t0)) s"

echo "== ASE MD with NequIPCalculator.from_compiled_model"
python "$HERE/md_compiled.py" "$WORK/cgegnn.nequip.pt2" "$WORK/train/last.ckpt"

if [ "${SKIP_COMPILE_TESTS:-0}" != "1" ]; then
  echo "== nequip BaseEnergyModelTests compile subset"; t0=$SECONDS
  cd "$ROOT"
  SYMPLUGINS_NEQUIP_COMPILE=1 python -m pytest tests/nequip -q -p no:cacheprovider \
    -k "test_ase_compile or test_train_time_compile or test_mliap_integration"
  echo "   compile tests: $((SECONDS - t0)) s"
fi
echo "== OK"
