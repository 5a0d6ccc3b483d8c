"""featloss.learner from outside the notebooks: export, load, inference on any size (tiled), bad model files.

Small U-Nets (resnet18 encoder, random weights) keep this fast; the large-photo test needs ../shared."""
import os, subprocess, sys, warnings
from pathlib import Path
import numpy as np, pytest, torch, torch.nn as nn
from PIL import Image

from featloss.data import superres_dls, colorize_dls, embedded_photos
from featloss.core import find_shared
from featloss.learner import (superres_learner, colorize_learner, export_enhancer, load_enhancer, tiled_apply, feature_loss,
                              inference_model, Enhancer)
from torchvision.models import resnet18

warnings.filterwarnings('ignore')


@pytest.fixture(scope='module')
def sr_learn():
    learn = superres_learner(superres_dls(scale=2, size=32, bs=4, n_per_image=2), 'mse', arch=resnet18, pretrained=False, residual=False)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    return learn


def test_tiled_apply_is_exact_for_local_networks():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 3, 3, padding=1)).eval()
    for h, w in [(97, 250), (300, 64), (7, 5)]:
        x = torch.rand(3, h, w)
        with torch.no_grad(): whole, tiled = net(x[None])[0], tiled_apply(net, x, tile=64, overlap=32, bs=2)
        assert tiled.shape == whole.shape
        torch.testing.assert_close(tiled[:, :-2, :-2], whole[:, :-2, :-2], atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match='multiples of 32'): tiled_apply(net, torch.rand(3, 8, 8), tile=48)
    with pytest.raises(ValueError, match='one image'): tiled_apply(net, torch.rand(1, 3, 8, 8))


def test_export_load_any_size(sr_learn, tmp_path):
    f = export_enhancer(sr_learn, tmp_path/'sub'/'model.pth')
    assert f.is_file() and not list(tmp_path.rglob('*.part'))
    enh = load_enhancer(f)
    assert (enh.task, enh.scale) == ('superres', 2)
    for size in [(1, 1), (33, 17), (300, 41)]:
        assert enh(Image.new('RGB', size, (10, 200, 30))).size == (size[0]*2, size[1]*2)
    # a file name works too, in any mode (here greyscale with transparency)
    Image.new('LA', (20, 10), (128, 100)).save(tmp_path/'grey.png')
    assert enh(tmp_path/'grey.png').size == (40, 20)
    # folding weight norm changes nothing the network computes
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(inference_model(sr_learn.model)(x).float(), sr_learn.model.eval()(x).float(), atol=1e-4, rtol=1e-4)


def test_blended_tiles_beat_cut_tiles(sr_learn):
    "Overlapping, blended tiles stay closer to the whole-image output than tiles cut without overlap, and show a smaller seam"
    from featloss.core import image2tensor, imagenet_mean, imagenet_std
    net = sr_learn.model.eval()
    m, s = torch.tensor(imagenet_mean).view(1, 3, 1, 1), torch.tensor(imagenet_std).view(1, 3, 1, 1)
    f = lambda xb: net((xb - m) / s).as_subclass(torch.Tensor)
    x = image2tensor(embedded_photos(['coffee'])['coffee'].resize((320, 256)))
    with torch.no_grad():
        whole, blended, cut = f(x[None])[0], tiled_apply(f, x, tile=128, overlap=64), tiled_apply(f, x, tile=64, overlap=0)
    assert whole.shape == blended.shape == cut.shape == (3, 256, 320)
    assert (blended - whole).abs().mean() < (cut - whole).abs().mean()
    step = lambda o, cols: (o[..., 1:] - o[..., :-1]).abs().mean((0, 1))[cols].mean()
    seams_cut, seams_blend = [63, 127, 191, 255], [64 + 31, 128 + 31, 192 + 31]
    assert step(cut, seams_cut) / step(whole, seams_cut) > step(blended, seams_blend) / step(whole, seams_blend)


def test_residual_superres_starts_as_bicubic():
    learn = superres_learner(superres_dls(scale=2, size=32, bs=4, n_per_image=1), 'mse', arch=resnet18, pretrained=False)
    xb, _ = learn.dls.one_batch()
    with torch.no_grad(): assert torch.equal(learn.model.eval()(xb), xb)


def test_colorize_keeps_luminance(tmp_path):
    learn = colorize_learner(colorize_dls(size=32, bs=4, n_per_image=2), 'mse', arch=resnet18, pretrained=False)
    enh = load_enhancer(export_enhancer(learn, tmp_path/'c.pth'))
    img = embedded_photos(['chelsea'])['chelsea'].resize((90, 61))
    out = enh(img)
    assert out.size == img.size and out.mode == 'RGB'
    # the output's luminance is the input's, up to rounding, where the colour falls inside RGB (elsewhere it is clipped);
    # a barely trained model's colours are far out of gamut, so the property is checked with a mild fixed tint
    tint = nn.Conv2d(3, 3, 1)
    with torch.no_grad(): tint.weight.copy_(torch.eye(3)[..., None, None]); tint.bias.copy_(torch.tensor([0.3, 0., -0.3]))
    out = Enhancer(tint, task='colorize')(img)
    rgb = np.asarray(out, float)
    inside = ((rgb > 0) & (rgb < 255)).all(-1)
    diff = np.abs(np.asarray(out.convert('L'), float) - np.asarray(img.convert('L'), float))
    assert inside.mean() > 0.5 and diff[inside].max() <= 2
    assert np.abs(rgb - np.asarray(img.convert('RGB'), float)).mean() > 3   # and the colour did change


def test_bad_model_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='No model file'): load_enhancer(tmp_path/'none.pkl')
    (tmp_path/'text.pkl').write_text('hello')
    with pytest.raises(ValueError, match='not a featloss model'): load_enhancer(tmp_path/'text.pkl')
    torch.save(nn.Linear(2, 2), tmp_path/'lin.pkl')
    with pytest.raises(ValueError, match='is a pickle'): load_enhancer(tmp_path/'lin.pkl')     # refused unread
    with pytest.warns(UserWarning, match='runs any code'), pytest.raises(ValueError, match='holds a Linear'):
        load_enhancer(tmp_path/'lin.pkl', trust_pickle=True)
    with pytest.raises(ValueError, match='task must be'): Enhancer(nn.Identity(), task='denoise')


def test_feature_loss_offline_fallback(monkeypatch, tmp_path):
    "Offline, without shared weights, the feature loss still builds (random SqueezeNet); named weights are used as given"
    monkeypatch.setenv('FEATLOSS_SHARED', str(tmp_path/'nowhere'))
    monkeypatch.chdir(tmp_path)
    import featloss.features as ff
    monkeypatch.setattr(ff, '_download', lambda url, dst: (_ for _ in ()).throw(OSError('offline (test)')))
    fl = feature_loss()
    assert fl.extractor.arch in ('squeezenet1_1', 'vgg16_bn')  # vgg16_bn only if its ImageNet weights are already cached
    assert feature_loss('vgg16', weights='none').extractor.arch == 'vgg16'


@pytest.mark.dev  # minutes on 2 CPU cores: run on the development stack only (step e)
@pytest.mark.skipif(find_shared() is None or not (find_shared()/'data'/'photos').is_dir(), reason='needs shared/data/photos')
def test_large_photo_in_bounded_memory(tmp_path):
    "A 2560-pixel photo goes through in tiles; the process's peak memory stays far below what one whole-image pass needs"
    learn = colorize_learner(colorize_dls(size=32, bs=4, n_per_image=1), 'mse', arch=resnet18, pretrained=False)
    f = export_enhancer(learn, tmp_path/'c.pth')
    from featloss.data import image_files
    big = max(image_files(find_shared()/'data'/'photos'), key=lambda p: Image.open(p).size[0] * Image.open(p).size[1])
    code = f"""
import sys
from PIL import Image
from featloss.learner import load_enhancer
enh = load_enhancer({str(f)!r})
out = enh({str(big)!r})
assert out.size == Image.open({str(big)!r}).size, out.size
hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))   # kB; ru_maxrss is inherited from the parent
print('size', out.size, 'peak_mb', hwm / 1024)
"""
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    peak = float(r.stdout.split('peak_mb')[1])
    w, h = Image.open(big).size
    assert w * h >= 2560 * 1600 * 0.9
    assert peak < 4000, r.stdout
