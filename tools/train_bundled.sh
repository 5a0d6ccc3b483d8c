#!/bin/sh
# Train the models bundled in featloss/models/ with `featloss train`, as their model card (nbs/09_demo.ipynb) says.
# Data: the 23 Debian wallpapers of ../shared/data/photos (GPL-2+ / LGPLv3, see COPYRIGHT.debian there), shrunk to
# 640 px on the longer side; 2 of them are held out for validation. The evaluation sets (Set5, Set14, the embedded
# photos) are never trained on. Same network, steps, crops and seed for both models: only the loss differs.
# Usage: sh tools/train_bundled.sh [EPOCHS]   (an epoch is 21 steps of 16 crops of 96 px)
set -e
EPOCHS=${1:-50}
COMMON="--arch srnet --data ../shared/data/photos --max-side 640 --size 96 --bs 16 --epochs $EPOCHS --jpeg none --lr 3e-3 --precision fp32 --force"
featloss train superres $COMMON --loss mse --out runs/sr4-pixel
featloss train superres $COMMON --loss feature --out runs/sr4-feature
for m in sr4-pixel sr4-feature; do
  featloss eval runs/$m/model.pth ../shared/data/sr/Set5
  featloss eval runs/$m/model.pth ../shared/data/sr/Set14
  cp runs/$m/model.pth featloss/models/$m.pth
done
