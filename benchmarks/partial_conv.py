"""Partial convolutions (Liu et al. 2018) against the 4-channel U-Net, at equal budget.

Trains `inpaint_learner`'s U-Net (ResNet-18 encoder, the full inpainting loss) three ways, each with the same photos,
crops, masks, seed and number of steps:

- `4-channel`: the U-Net `featloss train inpaint` trains: input = photo with pre-filled holes (`pyramid_fill`) + mask,
  a residual output (a correction to the pre-filled photo);
- `partial`: the same, with the encoder's convolutions replaced by partial convolutions carrying the mask
  (`partial_encoder`): the encoder no longer sees the pre-filled hole contents;
- `partial, no prefill`: closer to the paper: holes are zeros (ignored by the partial convolutions anyway), no residual.

then fills the seeded holes of held-out photos (shared/data/photos, never trained on) and prints PSNR in the holes,
SSIM-Y and LPIPS of the composites (`hole_metrics`), beside the classical fills (`evaluate_inpainting`).

    OMP_NUM_THREADS=1 python benchmarks/partial_conv.py                 # about 6 minutes a variant on one free core
    OMP_NUM_THREADS=1 python benchmarks/partial_conv.py --epochs 1      # a quick look

Needs ../shared (training and held-out photos, the offline VGG16 and SqueezeNet weights).
"""
import argparse, time, warnings
import torch, torchvision
from fastai.torch_core import set_seed
from featloss.core import find_shared, image2tensor, center_crop
from featloss.data import open_rgb, image_paths
from featloss.inpaint import (inpaint_dls, inpaint_learner, partial_encoder, irregular_mask, fill_holes, hole_metrics,
                              evaluate_inpainting)

p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
p.add_argument('--epochs', type=int, default=6, help='epochs of one-cycle training (45 steps each; default: 6)')
p.add_argument('--size', type=int, default=64, help='training crop size (default: 64)')
p.add_argument('--bs', type=int, default=8)
p.add_argument('--lr', type=float, default=1e-3)
p.add_argument('--eval-size', type=int, default=128, help='held-out photos shrunk and centre-cropped to this (default: 128)')
p.add_argument('--hole-ratio', type=float, default=0.25)
p.add_argument('--variants', default='4-channel,partial,partial-noprefill')
a = p.parse_args()
warnings.filterwarnings('ignore')

shared = find_shared()
if shared is None: raise SystemExit("needs the shared/ folder (training photos, held-out photos, offline weights)")
files = image_paths(shared/'data'/'photos')
imgs = torch.stack([image2tensor(center_crop(open_rgb(f), a.eval_size, shrink=True)) for f in files])
masks = torch.stack([irregular_mask(a.eval_size, a.hole_ratio, seed=i) for i in range(len(files))])

def score(fill): return {k: v.mean().item() for k, v in hole_metrics(fill, imgs, masks).items()}

rows = {}
for v in a.variants.split(','):
    set_seed(42)
    dls = inpaint_dls(shared/'data'/'train'/'BSDS400', size=a.size, bs=a.bs, seed=42, prefill=v != 'partial-noprefill')
    learn = inpaint_learner(dls, arch=torchvision.models.resnet18)
    if v.startswith('partial'): partial_encoder(learn.model)
    t0 = time.time()
    with learn.no_bar(): learn.fit_one_cycle(a.epochs, a.lr)
    secs = time.time() - t0
    rows[v] = score(fill_holes(learn.model, imgs, masks)) | {'train s': secs, 'steps': a.epochs * len(dls.train),
                                                              'final valid loss': float(learn.recorder.values[-1][0])}
    print(v, rows[v], flush=True)

base = evaluate_inpainting(None, [center_crop(open_rgb(f), a.eval_size, shrink=True) for f in files], size=a.eval_size,
                           hole_ratio=a.hole_ratio, seed=0)
print(f"\n{len(files)} held-out photos ({shared/'data'/'photos'}), {a.eval_size} px, {base.attrs['holes']:.1%} of pixels "
      f"in holes; trained on {len(dls.train_ds.items)} BSDS400 photos, {a.size} px crops, batch {a.bs}, "
      f"encoder weights: {learn.encoder_source}")
print(f"{'fill':<22}{'PSNR holes':>11}{'SSIM-Y':>8}{'LPIPS':>8}{'valid loss':>11}{'steps':>7}{'train s':>9}")
for k, r in rows.items():
    print(f"{k:<22}{r['psnr_hole']:>11.2f}{r['ssim']:>8.4f}{r['lpips']:>8.4f}{r['final valid loss']:>11.4f}"
          f"{r['steps']:>7}{r['train s']:>9.0f}")
for k, r in base.iterrows():
    print(f"{k:<22}{r['PSNR in holes (dB)']:>11.2f}{r['SSIM-Y']:>8.4f}{r['LPIPS']:>8.4f}")
