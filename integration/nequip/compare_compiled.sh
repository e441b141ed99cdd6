#!/usr/bin/env bash
# MD cost of CG-EGNN vs nequip's NequIP, both deployed the nequip way: nequip-train (1 epoch:
# timing only, weights do not change the cost) -> nequip-package -> nequip-compile
# --mode aotinductor --target ase -> NequIPCalculator.from_compiled_model, timed round-robin
# by compare_compiled.py. Same sizes as benchmarks/md17_xtb.py (2 layers, width 16, r_max 5).
# Usage: integration/nequip/compare_compiled.sh [WORK_DIR] [MODELS...]  (default: cgegnn-h1 nequip)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="${1:-/tmp/symplugins-compare-compiled}"; shift || true
MODELS=("${@:-cgegnn-h1 nequip}"); MODELS=(${MODELS[*]})
mkdir -p "$WORK"
export OMP_NUM_THREADS=1
DATA="$WORK/ethanol_500K_300.extxyz"
symplugins xtb ethanol --out "$DATA" --frames 300 --every 10 --temperature 500 --seed 0
COMMON=(-cp "$HERE" -cn config.yaml data_file="$DATA" max_epochs=1)
NEQUIP=(training_module.model._target_=nequip.model.NequIPGNNModel "~training_module.model.hidden"
        "~training_module.model.hops" "~training_module.model.layers" +training_module.model.num_layers=2
        +training_module.model.l_max=1 +training_module.model.num_features=16)
PT2=()
for m in "${MODELS[@]}"; do
  case "$m" in
    cgegnn-h1) ARGS=(training_module.model.hidden=16 training_module.model.hops=1) ;;
    cgegnn-h2) ARGS=(training_module.model.hidden=16 training_module.model.hops=2) ;;
    nequip) ARGS=("${NEQUIP[@]}") ;;
    *) echo "unknown model $m"; exit 2 ;;
  esac
  if [ ! -f "$WORK/$m.nequip.pt2" ]; then
    echo "== $m: train, package, compile"; t0=$SECONDS
    nequip-train "${COMMON[@]}" hydra.run.dir="$WORK/train-$m" "${ARGS[@]}"
    nequip-package build "$WORK/train-$m/last.ckpt" "$WORK/$m.nequip.zip"
    nequip-compile "$WORK/$m.nequip.zip" "$WORK/$m.nequip.pt2" --device cpu --mode aotinductor --target ase
    echo "   $m: $((SECONDS - t0)) s"
  fi
  PT2+=("$m=$WORK/$m.nequip.pt2")
done
python "$HERE/compare_compiled.py" "${PT2[@]}"
