"Shared fixtures: real photos, and the ImageNet-derived weights of ../shared when that folder is there."
import os, warnings
from pathlib import Path
import pytest, torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault('TORCH_HOME', str(ROOT/'.cache'/'torch'))
os.environ.setdefault('FASTAI_HOME', str(ROOT/'.cache'/'fastai'))
if 'FEATLOSS_SHARED' not in os.environ and (ROOT.parent/'shared'/'weights').is_dir():
    os.environ['FEATLOSS_SHARED'] = str(ROOT.parent/'shared')
warnings.filterwarnings('ignore', message='featloss: the .* loss network has random weights')

@pytest.fixture(scope='session')
def sr_pair():
    "Real photo crops (target) and their x4 bicubic round trip (prediction), ImageNet-normalised, 4 x 96 px"
    from featloss.data import photo_batch
    from featloss.core import imagenet_norm
    targ = imagenet_norm(photo_batch(size=96, n=4, seed=11))
    pred = F.interpolate(F.interpolate(targ, scale_factor=0.25, mode='bicubic', antialias=True), size=96, mode='bicubic')
    return pred, targ
