"""Metrics: the published bicubic yardstick (when ../shared is there), HaarPSI against piq (when installed), LPIPS against the
lpips package (when the shared SqueezeNet weights are there), fastai metrics.

These run on the development stack and on the newest fastai (installed wheel); the notebook nbs/04_metrics.ipynb tests the same inline."""
import math, os
from pathlib import Path
import numpy as np, pytest, torch
import torch.nn as nn
from PIL import Image, ImageEnhance
from featloss.data import photo_batch, embedded_photos
from featloss.core import tensor2image, image2tensor
from featloss.core import find_shared
from featloss.metrics import (to_255, rgb_to_y, psnr_y, ssim_y, haarpsi, colorfulness, bicubic_upscale, to_unit,
                              PSNR, SSIM, HaarPSI, Colorfulness, sr_pairs, evaluate_pairs, lpips_distance, lpips_variant, LPIPS)
from featloss.features import WeightsNotFoundError

# ../shared/README.md: bicubic PSNR-Y / SSIM-Y, `scale` pixels shaved
README_TABLE = {('Set5', 2): (33.64, 0.9292), ('Set5', 3): (30.39, 0.8678), ('Set5', 4): (28.42, 0.8101),
                ('Set14', 2): (29.98, 0.8659), ('Set14', 4): (25.80, 0.6957)}


def sr_root():
    s = find_shared()
    return s/'data'/'sr' if s is not None and (s/'data'/'sr').is_dir() else None


@pytest.mark.parametrize('set_name,scale', list(README_TABLE))
def test_bicubic_reproduces_published_table(set_name, scale):
    root = sr_root()
    if root is None: pytest.skip('no shared/data/sr folder')
    mean = evaluate_pairs(root/set_name, scale=scale, progress=False, lpips=None).loc['mean']
    psnr, ssim = README_TABLE[set_name, scale]
    assert abs(mean['bicubic_psnr_y'] - psnr) <= 0.05
    assert abs(mean['bicubic_ssim_y'] - ssim) <= 0.0005


def test_psnr_known_value_and_shave():
    grey = lambda v: torch.full((3, 16, 20), v, dtype=torch.uint8)
    assert psnr_y(grey(106), grey(100)).item() == pytest.approx(10*math.log10(255**2/25))  # Y differs by round(219*6/255) = 5
    bad = grey(100).clone(); bad[:, :2] = 0
    assert psnr_y(bad, grey(100), shave=2).item() == float('inf')
    assert psnr_y(bad, grey(100), shave=1).item() < 25


def test_input_conventions_and_errors():
    photo = embedded_photos(['astronaut'])['astronaut'].resize((64, 64))
    a = np.array(photo)
    ref = rgb_to_y(photo)
    for x in (a, a.astype(np.float32)/255, torch.from_numpy(a).permute(2, 0, 1), image2tensor(photo)):
        assert torch.allclose(rgb_to_y(x), ref)
    hr = photo_batch(size=48, n=3, seed=1)
    sr = (hr + 0.05*torch.randn_like(hr)).clamp(0, 1)
    assert psnr_y(sr, hr).shape == (3,) and psnr_y(sr[0], hr[0]).shape == ()
    with pytest.raises(ValueError, match=r'must be in \[0,1\]'): psnr_y(sr*255, hr)
    with pytest.raises(ValueError, match='differ in shape'): ssim_y(sr, hr[..., :40])
    with pytest.raises(TypeError, match='uint8'): psnr_y(a.astype(np.int32), a)
    with pytest.raises(ValueError, match='Cannot shave'): psnr_y(sr, hr, shave=24)


def test_ssim_matches_skimage():
    from skimage.metrics import structural_similarity
    hr = photo_batch(size=64, n=1, seed=3)[0].double()
    torch.manual_seed(0)   # (unseeded noise, and Y computed in float32 here and float64 below, made this test flaky:
    sr = (hr + 0.05*torch.randn_like(hr)).clamp(0, 1)  # a Y at x.5 rounds either way)
    expected = structural_similarity(rgb_to_y(sr).numpy(), rgb_to_y(hr).numpy(), gaussian_weights=True,
                                     sigma=1.5, use_sample_covariance=False, data_range=255)
    assert ssim_y(sr, hr).item() == pytest.approx(expected, abs=1e-6)
    assert ssim_y(hr, hr).item() == pytest.approx(1.)


def test_haarpsi_matches_piq():
    piq = pytest.importorskip('piq')
    torch.manual_seed(0)
    y = photo_batch(size=64, n=4, seed=5).double()
    for p, q in ((photo_batch(size=64, n=4, seed=3).double(), y),
                 ((y + 0.1*torch.randn_like(y)).clamp(0, 1)[..., :61, :59], y[..., :61, :59])):  # odd sizes too
        ours, theirs = haarpsi(p, q), piq.haarpsi(p, q, reduction='none', data_range=1.)
        assert torch.allclose(ours, theirs, atol=1e-9, rtol=0)
        assert torch.allclose(haarpsi(p.float(), q.float()).double(), theirs, atol=1e-5, rtol=0)


def test_haarpsi_properties():
    hr = photo_batch(size=64, n=2, seed=1)
    assert torch.allclose(haarpsi(hr, hr), torch.ones(2), atol=1e-5)
    noisy, noisier = [haarpsi((hr + s*torch.randn_like(hr)).clamp(0, 1), hr) for s in (0.05, 0.2)]
    assert ((noisier < noisy) & (noisy < 1) & (noisier > 0)).all()
    assert (haarpsi(hr[:, [2, 1, 0]], hr) < 1).all()  # colour counts


def test_colorfulness():
    photos = {n: p.reduce(4) for n, p in embedded_photos().items()}
    red_green = torch.zeros(3, 8, 8); red_green[0, :4] = 1; red_green[1, 4:] = 1
    assert colorfulness(red_green).item() == pytest.approx(293.25)
    for p in photos.values():
        assert colorfulness(p.convert('L')).item() == 0.
        assert colorfulness(ImageEnhance.Color(p).enhance(0.5)) < colorfulness(p) < colorfulness(ImageEnhance.Color(p).enhance(2))
        assert colorfulness(p) < colorfulness(red_green)


def test_bicubic_upscale():
    photo = embedded_photos(['chelsea'])['chelsea'].resize((40, 30))
    assert bicubic_upscale(photo, 4).size == (160, 120)
    with pytest.raises(TypeError): bicubic_upscale(image2tensor(photo), 2)


def _tiny_sr_dls(folder, n=10, size=48, bs=4):
    from fastai.vision.all import DataBlock, ImageBlock, Normalize, imagenet_stats, IndexSplitter
    for i, crop in enumerate(photo_batch(size=size, n=n, seed=0)):
        img = tensor2image(crop); img.save(folder/f'{i:02d}_HR.png')
        bicubic_upscale(img.resize((size//2, size//2), Image.BICUBIC), 2).save(folder/f'{i:02d}_LR.png')
    block = DataBlock(blocks=(ImageBlock, ImageBlock), get_items=lambda p: sorted(Path(p).glob('*_LR.png')),
                      get_y=lambda f: f.with_name(f.name.replace('_LR', '_HR')), splitter=IndexSplitter(range(n - 5, n)),
                      batch_tfms=Normalize.from_stats(*imagenet_stats))
    return block.dataloaders(folder, bs=bs, num_workers=0)


def test_fastai_metrics_in_training(tmp_path):
    from fastai.learner import Learner
    dls = _tiny_sr_dls(tmp_path)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 3, 3, padding=1))
    metrics = [PSNR(), SSIM(), HaarPSI(), Colorfulness()]
    learn = Learner(dls, model, loss_func=nn.MSELoss(), metrics=metrics)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    assert [m.name for m in metrics] == ['psnr', 'ssim', 'haarpsi', 'colorfulness']
    assert all(v is not None and math.isfinite(v) for v in learn.recorder.values[-1][2:])
    with learn.no_bar(): preds, targs = learn.get_preds()
    p, t = to_unit(preds), to_unit(targs)
    expected = [psnr_y(p, t).mean(), ssim_y(p, t).mean(), haarpsi(p, t).mean(), colorfulness(p).mean()]
    with learn.no_bar(): got = learn.validate()[1:]
    assert np.allclose(got, [e.item() for e in expected], rtol=1e-5)  # per-image means over batches of 4 and 1
    assert 0 < got[2] <= 1


def test_input_ranges():
    x = photo_batch(size=32, n=2)
    from featloss.core import imagenet_norm
    assert torch.allclose(to_unit(imagenet_norm(x)), x, atol=1e-6)
    assert torch.allclose(to_unit(x*2 - 1, '-1,1'), x, atol=1e-6)
    with pytest.raises(ValueError, match='input_range'): PSNR(input_range='0,255')


def test_evaluate_pairs(tmp_path):
    (tmp_path/'x2').mkdir()
    for i, p in enumerate(photo_batch(size=64, n=3, seed=2)):
        img = tensor2image(p); img.save(tmp_path/'x2'/f'p{i}_HR.png'); img.resize((32, 32), Image.BICUBIC).save(tmp_path/'x2'/f'p{i}_LR.png')
    pairs = sr_pairs(tmp_path, 2)
    assert [s for s, _, _ in pairs] == ['p0', 'p1', 'p2']
    df = evaluate_pairs(tmp_path, lambda lr: lr.resize((64, 64), Image.LANCZOS), scale=2, out_dir=tmp_path/'out', progress=False)
    assert list(df.index) == ['p0', 'p1', 'p2', 'mean']
    lp = () if df.attrs['lpips'] is None else (f"lpips_{df.attrs['lpips'].removeprefix('LPIPS-')}",)
    assert list(df.columns) == [f'{m}_{k}' for m in ('bicubic', 'model') for k in ('psnr_y', 'ssim_y', 'haarpsi', 'grid', *lp)]
    assert df.attrs['lpips'] == _lpips_or_none()
    assert evaluate_pairs(tmp_path, scale=2, progress=False, lpips=None).shape == (4, 4)   # PSNR-Y, SSIM-Y, HaarPSI, grid
    assert np.allclose(df.loc['mean'], df.iloc[:3].mean())
    assert sorted(f.name for f in (tmp_path/'out').iterdir()) == ['p0_SR.png', 'p1_SR.png', 'p2_SR.png']
    with pytest.raises(ValueError, match='HR size'): evaluate_pairs(tmp_path, lambda lr: lr, scale=2, progress=False)
    with pytest.raises(ValueError, match='is scale=4 right'): evaluate_pairs(tmp_path/'x2', scale=4, progress=False)
    with pytest.raises(FileNotFoundError, match='is scale=3 right'): evaluate_pairs(tmp_path, scale=3, progress=False)


def _lpips_or_none():
    try: return lpips_variant()[0]
    except WeightsNotFoundError: return None


def test_lpips_properties():
    if _lpips_or_none() is None: pytest.skip('no LPIPS weights on this machine (no torchvision AlexNet, no shared SqueezeNet)')
    x = photo_batch(size=64, n=3, seed=4)
    assert torch.allclose(lpips_distance(x, x), torch.zeros(3), atol=1e-6)
    from PIL import ImageFilter
    d = torch.tensor([[lpips_distance(image2tensor(tensor2image(p).filter(ImageFilter.GaussianBlur(r))), p).item()
                       for r in (0.5, 1, 2)] for p in x])
    assert (d[:, 0] > 0).all() and (d.diff(dim=1) > 0).all()   # more blur, farther
    from featloss.core import imagenet_norm
    ref = lpips_distance(x[1:], x[:2])
    assert torch.allclose(lpips_distance(imagenet_norm(x[1:]), imagenet_norm(x[:2]), input_range='imagenet'), ref, atol=1e-5)
    assert lpips_distance(x[1], x[0]).shape == ()
    with pytest.raises(ValueError, match=r'must be in \[0,1\]'): lpips_distance(x*255, x*255)
    with pytest.raises(ValueError, match="not in input_range='imagenet'"): lpips_distance(x*255, x*255, input_range='imagenet')
    assert LPIPS().name == _lpips_or_none().lower().replace('-', '_')


def test_lpips_matches_lpips_package():
    import warnings, lpips
    from unittest.mock import patch
    import featloss.metrics as M
    sq = M.offline_weights('squeezenet1_1')
    if sq is None: pytest.skip('no shared squeezenet1_1 weights')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        theirs = lpips.LPIPS(net='squeeze', pnet_rand=True, pretrained=False, verbose=False).eval()
    sd = torch.load(sq, map_location='cpu', weights_only=True)
    for s in theirs.net.children():
        for i, layer in s.named_children():
            layer.load_state_dict({k.split('.', 1)[1]: v for k, v in sd.items() if k.split('.')[0] == i})
    theirs.load_state_dict(torch.load(Path(lpips.__file__).parent/'weights/v0.1/squeeze.pth', map_location='cpu',
                                      weights_only=True), strict=False)
    p, q = photo_batch(size=96, n=4, seed=7), photo_batch(size=96, n=4, seed=8)
    with patch.dict(M._lpips_trunks, {'squeeze': ('squeeze', sq, 'the shared file')}), torch.no_grad():
        assert torch.allclose(lpips_distance(p, q, net='squeeze'), theirs(p*2 - 1, q*2 - 1).flatten(), atol=1e-5, rtol=0)


def test_lpips_refuses_a_random_trunk(tmp_path):
    from unittest.mock import patch
    img = tensor2image(photo_batch(size=64, n=1, seed=2)[0])
    img.save(tmp_path/'p_HR.png'); img.resize((32, 32), Image.BICUBIC).save(tmp_path/'p_LR.png')
    import featloss.losses as L   # the LPIPS network is defined there (featloss.metrics imports it)
    def no_file(arch): raise WeightsNotFoundError(f"The ImageNet weights of {arch} are not cached (simulated).")
    with patch.object(L, 'imagenet_file', no_file), patch.object(L, 'offline_weights', lambda arch: None), \
         patch.object(L, 'imagenet_weights_file', lambda arch: Path('/nonexistent')/f'{arch}.pth'), \
         patch.dict(L._lpips_trunks, clear=True):
        for net in ('auto', 'alex', 'squeeze', 'vgg'):
            with pytest.raises(WeightsNotFoundError, match='does not fall back to a random trunk'): lpips_variant(net)
        with pytest.warns(UserWarning, match='no LPIPS column'):   # 'auto' leaves the column out, a named net fails
            df = evaluate_pairs(tmp_path, scale=2, progress=False)
        assert df.attrs['lpips'] is None and not any('lpips' in c for c in df.columns)
        with pytest.raises(WeightsNotFoundError, match='No LPIPS-alex'): evaluate_pairs(tmp_path, scale=2, progress=False, lpips='alex')
