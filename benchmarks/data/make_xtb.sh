#!/usr/bin/env bash
# Regenerate the xTB datasets used by benchmarks/train_potential.py and benchmarks/md17_xtb.py.
# Resumable: re-run after an interruption. About 2-5 min on one core.
set -euo pipefail
cd "$(dirname "$0")/xtb"
export OMP_NUM_THREADS=1
symplugins xtb ethanol --out ethanol_500K.extxyz --frames 2000 --every 10 --temperature 500 --seed 0
symplugins xtb ethanol --out ethanol_300K_test.extxyz --frames 200 --every 20 --temperature 300 --seed 1
symplugins xtb ethanol --out ethanol_500K_test.extxyz --frames 200 --every 20 --temperature 500 --seed 2
for m in aspirin malonaldehyde uracil; do
  symplugins xtb $m --out ${m}_500K.extxyz --frames 500 --every 10 --temperature 500 --seed 0
done
