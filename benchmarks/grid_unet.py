"""Grid artefacts of a feature-loss super-resolution U-Net, epoch by epoch.

Trains `superres_learner` (residual U-Net, ResNet-34 encoder) on 96-pixel crops of shared/data/train, degraded as
lesson 7 does (x4 down, JPEG quality 10-70), with one-cycle training, and after every epoch measures Set5 and Set14 x4
(PSNR-Y, SSIM-Y, grid ratio, LPIPS-squeeze) with `evaluate_pairs`. One JSON line per epoch on stdout.

    python benchmarks/grid_unet.py --antialias 1            # the default loss
    python benchmarks/grid_unet.py --antialias 0            # the loss network as published
    python benchmarks/grid_unet.py --loss mse
    python benchmarks/grid_unet.py --encoder squeezenet1_1  # the offline ImageNet encoder (frozen, as fastai does)

Needs ../shared (training photos, Set5/Set14, the offline SqueezeNet). About 4 minutes an epoch on 2 CPU cores.
"""
import argparse, json, time
from pathlib import Path
import torch, torchvision
from fastai.callback.core import Callback
from featloss.core import find_shared
from featloss.data import superres_dls, Crappifier
from featloss.learner import superres_learner, feature_loss, Enhancer, features_encoder
from featloss.metrics import evaluate_pairs

p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
p.add_argument('--loss', default='feature', choices=['feature', 'mse', 'l1'])
p.add_argument('--antialias', type=int, default=1, help="FeatureLoss(antialias=...)")
p.add_argument('--shift', default='auto', help="FeatureLoss(shift=...): 'auto' or pixels")
p.add_argument('--layer-wgts', default=None, help='e.g. 0.1,0.3,0.04')
p.add_argument('--epochs', type=int, default=5)
p.add_argument('--lr', type=float, default=1e-3)
p.add_argument('--save', default=None, help='folder for a state dict after every epoch')
p.add_argument('--encoder', default='resnet34', choices=['resnet34', 'squeezenet1_1', 'vgg16'],
               help="resnet34: torchvision's (random weights offline); squeezenet1_1, vgg16: `features_encoder` (offline weights)")
p.add_argument('--unfreeze', action='store_true', help="train the pretrained encoder too (fastai freezes it)")
a = p.parse_args()

shared = find_shared()
if shared is None: raise SystemExit("needs the shared/ folder (training photos, Set5, Set14)")
torch.manual_seed(42)
dls = superres_dls(shared/'data'/'train', crappifier=Crappifier(4, quality=(10, 70)), size=96, bs=8, seed=42)
if a.loss == 'feature':
    kw = dict(antialias=bool(a.antialias), shift=a.shift if a.shift == 'auto' else int(a.shift))
    if a.layer_wgts: kw['layer_wgts'] = tuple(map(float, a.layer_wgts.split(',')))
    loss = feature_loss(**kw)
else: loss = a.loss
arch = torchvision.models.resnet34 if a.encoder == 'resnet34' else features_encoder(a.encoder)
learn = superres_learner(dls, loss=loss, arch=arch, precision='fp32')
if a.unfreeze: learn.unfreeze()
print(json.dumps({'config': vars(a), 'loss': repr(loss).split('\n')[0], 'encoder': learn.encoder_source}), flush=True)

class Measure(Callback):
    order = 100
    def after_epoch(self):
        if a.save: Path(a.save).mkdir(parents=True, exist_ok=True); torch.save(learn.model.state_dict(), Path(a.save)/f'e{self.epoch+1}.pth')
        enh = Enhancer(learn.model, task='superres', scale=4, precision='fp32')
        row = {'epoch': self.epoch + 1, 'seconds': round(time.time() - t0)}
        for s in ('Set5', 'Set14'):
            df = evaluate_pairs(shared/'data'/'sr'/s/'x4', enh, scale=4, progress=False, lpips='squeeze')
            row[s] = {k.split('_', 1)[1]: round(float(v), 4) for k, v in df.loc['mean'].items() if k.startswith('model')}
            if self.epoch == 0: row[s + '_bicubic'] = {k.split('_', 1)[1]: round(float(v), 4) for k, v in df.loc['mean'].items() if k.startswith('bicubic')}
        learn.model.train()
        print(json.dumps(row), flush=True)

t0 = time.time()
learn.fit_one_cycle(a.epochs, a.lr, cbs=Measure())
