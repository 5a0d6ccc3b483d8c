"""Inpainting: the loss against Liu et al.'s formula written out independently, the masks' hole ratio, the composite's
known pixels, and the inpainting DataLoaders and learner (development stack and newest fastai alike)."""
import warnings
import pytest, torch, torch.nn.functional as F, torchvision
from featloss.inpaint import (InpaintingLoss, irregular_mask, composite, inpaint_dls, inpaint_learner, fill_holes,
                              mean_fill, smooth_fill, biharmonic_fill, hole_metrics, CAFFE_FEAT_SCALE, caffe_scale)
from featloss.core import offline_weights


def formula(pred, gt, mask, body, s=1.):
    "L = L_valid + 6 L_hole + 0.05 L_perc + 120 (L_style_out + L_style_comp) + 0.1 L_tv, term by term; pool1-3 = 4, 9, 16"
    comp = mask * gt + (1 - mask) * pred
    def feats(x):
        out = []
        for i, layer in enumerate(body):
            x = layer(x)
            if i in (4, 9, 16): out.append(x * s)
        return out
    def G(f):
        n, c, h, w = f.shape; f = f.reshape(n, c, h * w)
        return torch.bmm(f, f.transpose(1, 2)) / (c * h * w)
    fo, fc, fg = feats(pred), feats(comp), feats(gt)
    l1 = lambda a, b: (a - b).abs().mean()
    perc = sum(l1(a, b) for a, b in zip(fo, fg)) + sum(l1(a, b) for a, b in zip(fc, fg))
    style = sum(l1(G(a), G(b)) for a, b in zip(fo, fg)) + sum(l1(G(a), G(b)) for a, b in zip(fc, fg))
    P = (F.conv2d(1 - mask, torch.ones(1, 1, 3, 3, dtype=mask.dtype), padding=1) > 0).to(mask.dtype)
    tv = (((comp[..., :, 1:] - comp[..., :, :-1]).abs() * P[..., :, 1:] * P[..., :, :-1]).sum()
          + ((comp[..., 1:, :] - comp[..., :-1, :]).abs() * P[..., 1:, :] * P[..., :-1, :]).sum()) / comp.numel()
    return (l1(mask * pred, mask * gt) + 6 * l1((1 - mask) * pred, (1 - mask) * gt) + 0.05 * perc + 120 * style
            + 0.1 * tv)


@pytest.mark.parametrize('weights', ['offline', None])
def test_loss_is_the_formula(weights):
    if weights == 'offline':
        weights = offline_weights('vgg16')
        if weights is None: pytest.skip('no offline VGG16 weights (shared/ absent)')
    loss = InpaintingLoss('vgg16', weights=weights)
    body = torchvision.models.vgg16().features[:17].eval()
    body.load_state_dict(loss.extractor.body.state_dict())
    torch.manual_seed(1)
    gt, pred = torch.randn(2, 3, 48, 64), torch.randn(2, 3, 48, 64)
    mask = torch.stack([irregular_mask((48, 64), r, seed=i) for i, r in enumerate((0.2, 0.45))])
    with torch.no_grad(): ref = formula(pred.double(), gt.double(), mask.double(), body.double()).item()
    assert abs(loss(pred, gt, mask).item() / ref - 1) < 1e-4
    assert abs(sum(loss.metrics.values()).item() / ref - 1) < 1e-4
    scaled = InpaintingLoss(loss.extractor, feat_scale=0.02)
    with torch.no_grad(): ref = formula(pred.double(), gt.double(), mask.double(), body.double(), 0.02).item()
    assert abs(scaled(pred, gt, mask).item() / ref - 1) < 1e-4


def test_feat_scale_auto():
    assert caffe_scale('vgg16', None) == 1.
    f = offline_weights('vgg16')
    if f is not None: assert caffe_scale('vgg16', f) == CAFFE_FEAT_SCALE


@pytest.mark.parametrize('ratio', [0.05, 0.2, 0.35, 0.6])
def test_mask_ratio_and_seed(ratio):
    for seed in range(5):
        m = irregular_mask((80, 96), ratio, seed=seed)
        assert m.shape == (1, 80, 96) and set(m.unique().tolist()) <= {0., 1.}
        assert abs((1 - m).mean().item() - ratio) <= 0.01
        assert torch.equal(m, irregular_mask((80, 96), ratio, seed=seed))


def test_composite_keeps_known_pixels_exactly():
    torch.manual_seed(0)
    img = torch.rand(2, 3, 64, 64)
    mask = torch.stack([irregular_mask(64, 0.3, seed=i) for i in range(2)])
    known = mask.expand_as(img) == 1
    net = torch.nn.Sequential(torch.nn.Conv2d(4, 3, 3, padding=1))
    for filled in (composite(torch.randn_like(img) * 100, img, mask), fill_holes(net, img, mask),
                   fill_holes(net, img, mask, prefill=True), mean_fill(img, mask), smooth_fill(img, mask),
                   biharmonic_fill(img, mask)):
        assert torch.equal(filled[known], img[known])
    r = hole_metrics(mean_fill(img, mask), img, mask, lpips=False)
    assert set(r) == {'psnr_hole', 'ssim'} and r['psnr_hole'].shape == (2,)


def test_dls_and_learner_table():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        dls = inpaint_dls(size=64, bs=2, n_per_image=1, hole_ratio=0.25)
        xb, yb = dls.one_batch()
        assert xb.shape == (2, 4, 64, 64) and yb.shape == (2, 3, 64, 64)
        assert (xb[:, :3] * (1 - xb[:, 3:])).abs().max() == 0
        learn = inpaint_learner(dls, 'full', weights=None, pretrained=False, precision='fp32')
        with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    names = learn.recorder.metric_names
    assert all(n in names for n in ['valid', 'hole', 'perceptual', 'style_out', 'style_comp', 'tv'])
    assert all(torch.isfinite(torch.tensor(v)).all() for v in learn.recorder.values[-1])


def test_residual_learner_starts_from_the_smooth_fill():
    from featloss.data import photo_batch
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        dls = inpaint_dls(size=64, bs=2, n_per_image=1, prefill=True)
        learn = inpaint_learner(dls, 'l1', pretrained=False, precision='fp32')
    img, mask = photo_batch(size=64, n=2), torch.stack([irregular_mask(64, 0.3, seed=i) for i in range(2)])
    assert torch.allclose(fill_holes(learn.model, img, mask), smooth_fill(img, mask), atol=1e-5)


def test_export_load_inpainter(tmp_path):
    import numpy as np
    from PIL import Image
    from torchvision.models import resnet18
    from featloss.inpaint import export_inpainter, load_inpainter
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        learn = inpaint_learner(inpaint_dls(size=64, bs=2, n_per_image=1, prefill=True), 'l1', arch=resnet18,
                                pretrained=False, precision='fp32')
    inp = load_inpainter(export_inpainter(learn, tmp_path/'m.pth'))
    rng = np.random.default_rng(0)
    photo = Image.fromarray(rng.integers(0, 256, (50, 77, 3), dtype=np.uint8))
    hole = irregular_mask((50, 77), 0.3, seed=2)[0].numpy() == 0
    out = np.asarray(inp(photo, Image.fromarray(np.where(hole, 0, 255).astype(np.uint8))))
    assert out.shape == (50, 77, 3)
    assert (out[~hole] == np.asarray(photo)[~hole]).all()
    with pytest.raises(ValueError, match='not a featloss inpainting model'):
        torch.save({'featloss': '{}', 'state_dict': {}}, tmp_path/'x.pth'); load_inpainter(tmp_path/'x.pth')
