"""Library tests that run on the development stack AND on the newest fastai/fastcore (installed wheel).

The notebooks test the same things inline; these re-check what must hold on a user's `pip install featloss`."""
import pickle, subprocess, sys, textwrap, time
import pytest, torch, torch.nn as nn, torch.nn.functional as F, torchvision
from featloss import FeatureLoss, StyleLoss, TVLoss, gram_matrix, load_features
from featloss.core import offline_weights
from featloss.features import FeatureExtractor


def lesson7_value(sd, pred, targ):
    "Lesson 7's loss, written out independently: hooks on torchvision's full vgg16_bn().features"
    vgg = torchvision.models.vgg16_bn().features.eval()
    vgg.load_state_dict(sd)
    vgg.requires_grad_(False)
    ids = [i - 1 for i, m in enumerate(vgg) if isinstance(m, nn.MaxPool2d)][2:5]
    out = {}
    hooks = [vgg[i].register_forward_hook(lambda m, inp, o, i=i: out.__setitem__(i, o)) for i in ids]
    try:
        vgg(targ); ft = [out[i].clone() for i in ids]
        vgg(pred); fp = [out[i] for i in ids]
    finally:
        for h in hooks: h.remove()
    def gram(x):
        n, c, h, w = x.shape; x = x.view(n, c, -1)
        return x @ x.transpose(1, 2) / (c * h * w)
    wgts = [5, 15, 2]
    return (F.l1_loss(pred, targ) + sum(F.l1_loss(a, b) * w for a, b, w in zip(fp, ft, wgts))
            + sum(F.l1_loss(gram(a), gram(b)) * w**2 * 5e3 for a, b, w in zip(fp, ft, wgts)))


def test_lesson7_formula(sr_pair):
    pred, targ = sr_pair
    expected = lesson7_value(load_features('vgg16_bn', None).state_dict(), pred, targ)
    got = FeatureLoss(weights=None, antialias=False)(pred, targ)
    assert abs(got.item() / expected.item() - 1) < 1e-5


@pytest.mark.parametrize('arch', ['squeezenet1_1', 'vgg16'])
def test_bf16_autocast_close_to_fp32(arch):
    from featloss.data import photo_batch
    from featloss.core import imagenet_norm
    targ = imagenet_norm(photo_batch(size=256, n=8, seed=3))
    pred = F.interpolate(F.interpolate(targ, scale_factor=0.25, mode='bicubic', antialias=True), size=256, mode='bicubic')
    fl = FeatureLoss(arch, weights=offline_weights(arch))
    with torch.no_grad():
        l32 = fl(pred, targ)
        with torch.autocast('cpu', dtype=torch.bfloat16): l16 = fl(pred, targ)
    assert torch.isfinite(l16) and all(torch.isfinite(v) for v in fl.metrics.values())
    assert abs(l16.item() / l32.item() - 1) < 0.01


def test_pickle_drops_and_rebuilds_network(sr_pair):
    pred, targ = sr_pair
    fl = FeatureLoss('squeezenet1_1', weights=None)
    v = fl(pred, targ)
    buf = pickle.dumps(fl)
    assert len(buf) < 100_000
    assert torch.allclose(pickle.loads(buf)(pred, targ), v, rtol=1e-6)


def test_fastai_learner_metrics_get_preds_and_export(tmp_path, sr_pair):
    from fastai.vision.all import Datasets, ItemGetter, Learner, LossMetrics, load_learner
    pred, targ = sr_pair
    items = list(zip(pred, targ))
    dls = Datasets(items, tfms=[[ItemGetter(0)], [ItemGetter(1)]], splits=[[0, 1], [2, 3]]).dataloaders(bs=2, device='cpu')
    loss = FeatureLoss('squeezenet1_1', weights=None)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 3, 3, padding=1))
    learn = Learner(dls, net, loss_func=loss, metrics=LossMetrics(loss.metric_names))
    learn.fit(1, 1e-3)
    row = learn.recorder.values[-1]
    assert learn.recorder.metric_names[3:-1] == loss.metric_names
    assert len(row) == 2 + len(loss.metric_names)
    assert abs(sum(row[2:]) - row[1]) < 1e-3 * row[1]  # the components add up to the validation loss
    _, _, losses = learn.get_preds(with_loss=True)
    assert losses.shape == (2,) and loss.reduction == 'mean'
    learn.export(tmp_path/'model.pkl')
    assert (tmp_path/'model.pkl').stat().st_size < 500_000
    assert 'extractor' not in load_learner(tmp_path/'model.pkl').loss_func._modules


def test_offline_imagenet_fails_fast_and_clearly(tmp_path):
    "The real download path, in a fresh process with an empty cache: offline it must fail within seconds, naming the file"
    code = textwrap.dedent("""
        import sys
        from featloss import FeatureLoss, WeightsNotFoundError
        try: FeatureLoss('squeezenet1_1')
        except WeightsNotFoundError as e: print(e); sys.exit(3)
    """)
    env = {'TORCH_HOME': str(tmp_path/'th'), 'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path)}
    t = time.time()
    r = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=120)
    if r.returncode == 0: pytest.skip('this machine can download the weights')
    assert r.returncode == 3, r.stderr
    assert time.time() - t < 60
    assert 'squeezenet1_1-b8a52dc0.pth' in r.stdout and str(tmp_path/'th') in r.stdout and 'weights=None' in r.stdout


def test_style_and_tv(sr_pair):
    pred, targ = sr_pair
    sl = StyleLoss(targ[0], 'squeezenet1_1', weights=None)
    assert sl(targ[:1]).item() < 1e-6 < sl(pred[:1]).item()
    assert TVLoss()(pred) < TVLoss()(targ)  # the bicubic round trip is smoother


def test_shared_weights_load_when_present():
    for arch in ('squeezenet1_1', 'vgg16'):
        w = offline_weights(arch)
        if w is None: pytest.skip('no shared/ folder on this machine')
        fe = FeatureExtractor(arch, layers=FeatureLoss(arch, weights=None).layers, weights=w)
        assert len(fe(torch.zeros(1, 3, 64, 64))) == 3


def _contextual_naive(x, y, h=0.5):
    "The contextual loss (Mechrez et al. 2018) as its formula states it, with loops, in float64"
    import math
    n, c = x.shape[:2]
    X, Y = x.reshape(n, c, -1).double(), y.reshape(n, c, -1).double()
    N = X.shape[2]
    mu = Y.sum(dim=(0, 2)) / (n * N)
    out = []
    for b in range(n):
        xs = [(X[b, :, i] - mu) / (X[b, :, i] - mu).norm() for i in range(N)]
        ys = [(Y[b, :, j] - mu) / (Y[b, :, j] - mu).norm() for j in range(N)]
        d = [[(1 - float(xs[i] @ ys[j])) / 2 for j in range(N)] for i in range(N)]
        w = [[math.exp((1 - d[i][j] / (min(d[i]) + 1e-5)) / h) for j in range(N)] for i in range(N)]
        cx = [[w[i][j] / sum(w[i]) for j in range(N)] for i in range(N)]
        out.append(-math.log(sum(max(cx[i][j] for i in range(N)) for j in range(N)) / N))
    return sum(out) / n


def test_contextual_loss_is_the_formula():
    from featloss.losses import contextual_loss, ContextualLoss
    torch.manual_seed(1)
    x, y = torch.randn(2, 6, 4, 5), torch.randn(2, 6, 4, 5)
    for a, b in [(x, y), (y + 0.5 * x, y), (y, y)]:
        assert abs(contextual_loss(a, b).item() - _contextual_naive(a, b)) < 1e-4
    loss = ContextualLoss('vgg16', weights=None, max_side=8)
    p, t = torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64)
    assert loss(t, t).item() < 1e-4 and loss(p, t).item() > 0
    assert loss(p, t).shape == () and ContextualLoss(loss.extractor, reduction='none')(p, t).shape == (2,)


def test_ssim_losses():
    from featloss.losses import SSIMLoss, MSSSIMLoss
    x = torch.rand(2, 3, 48, 48)
    assert SSIMLoss('0,1')(x, x).item() == 0
    y = (x + 0.1 * torch.randn_like(x)).clamp(0, 1)
    assert SSIMLoss('0,1')(y, x) > 0 and SSIMLoss('0,1', reduction='none')(y, x).shape == (2,)
    assert MSSSIMLoss('0,1', win_size=3)(x, x).abs().item() < 1e-6
    with pytest.raises(ValueError, match='at least 161 pixels'): MSSSIMLoss('0,1')(x, x)


def test_lpips_loss_nonnegative_with_finite_gradients():
    from featloss.losses import LPIPSLoss
    from featloss.features import WeightsNotFoundError
    try: loss = LPIPSLoss(input_range='0,1', reduction='none')
    except WeightsNotFoundError: pytest.skip('no LPIPS weights on this machine')
    x, y = torch.rand(3, 3, 32, 32), torch.rand(3, 3, 32, 32)
    assert loss(x, x).abs().max().item() == 0
    p = x.clone().requires_grad_()
    d = loss(p, y)
    assert (d >= 0).all() and (d > 0).all()
    d.sum().backward()
    assert torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0


def test_presets_cite_their_sources():
    from featloss.losses import LOSS_PRESETS
    for name in LOSS_PRESETS:
        fl = FeatureLoss.preset(name, weights=None)
        assert fl.source and fl.preset == name
        with torch.no_grad(): assert torch.isfinite(fl(torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32)))
    assert FeatureLoss.preset('esrgan', weights=None).extractor.names[-1] == 'conv5_4'
    with pytest.raises(ValueError, match='Unknown preset'): FeatureLoss.preset('nope')
