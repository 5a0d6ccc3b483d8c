"""featloss.style from outside the notebooks: style transfer by optimisation, the feed-forward network, pickling.

These run on the installed package too (CI step f, newest fastai), with small images and a seeded random
SqueezeNet loss network so they need neither internet nor ../shared."""
import pickle, warnings
import pytest, torch
from PIL import Image
from fastai.metrics import LossMetrics

from featloss.core import image2tensor
from featloss.data import embedded_photos, pair_dls
from featloss.learner import log_table
from featloss.features import FeatureExtractor
from featloss.losses import StyleLoss, FeatureLoss
from featloss.style import (StyleTransferLoss, TransformerNet, ImageParam, gatys_learner, stylize, stylise, repeat_dls,
                            fast_style_learner)

warnings.filterwarnings('ignore', message='featloss: the .* loss network has random weights')


@pytest.fixture(scope='module')
def extractor():
    return FeatureExtractor('squeezenet1_1', ('fire2', 'fire3', 'fire5'), weights=None, input_range='0,1')


@pytest.fixture(scope='module')
def images():
    ph = embedded_photos(['chelsea', 'coffee'])
    return [image2tensor(p.resize((48, 48), Image.BICUBIC)) for p in ph.values()]


def test_component_losses_expose_terms(extractor, images):
    "Every loss made of named terms can be read by fastai's LossMetrics, after a call"
    content, style = images
    for loss, x in [(StyleTransferLoss(style, extractor, ('fire3',), content=content), content[None]),
                    (StyleLoss(style, extractor), content[None]),
                    (FeatureLoss(extractor), (content[None], style[None]))]:
        out = loss(*x) if isinstance(x, tuple) else loss(x)
        assert out.ndim == 0 and torch.isfinite(out)
        for name in loss.metric_names: assert torch.equal(getattr(loss, name), loss.metrics[name])
        with pytest.raises(AttributeError): loss.no_such_term


def test_style_transfer_loss_checks(extractor, images):
    content, style = images
    with pytest.raises(ValueError, match='not layers of the extractor'): StyleTransferLoss(style, extractor, ('fire9',))
    loss = StyleTransferLoss(style, extractor, ('fire3',))
    with pytest.raises(ValueError, match='No content'): loss(content[None])
    # with a target instead of a fixed content image, the content term compares with the target's features
    assert loss(content[None], content[None]).item() < loss(style[None], content[None]).item()


def test_gatys_lowers_the_loss_and_keeps_the_image_in_range(extractor, images):
    content, style = images
    learn = gatys_learner(content, style, extractor, n_steps=25, lr=0.05)
    first = learn.loss_func(learn.model()).item()
    with learn.no_bar(), learn.no_logging(): learn.fit(1)
    img = learn.model.image.detach()
    assert img.shape == (1, 3, 48, 48) and img.min() >= 0 and img.max() <= 1
    assert learn.loss_func(learn.model()).item() < 0.9 * first
    tbl = log_table(learn)
    assert list(tbl.columns[-3:]) == ['content', 'style', 'tv'] and len(tbl) == 1


def test_image_param_and_repeat_dls():
    p = ImageParam(torch.rand(3, 8, 8))
    assert p(None).shape == (1, 3, 8, 8) and list(p.parameters())[0] is p.image
    dls = repeat_dls(7)
    assert len(dls.train) == 7 and len(dls.valid) == 1


@pytest.mark.parametrize('h,w', [(32, 32), (37, 50), (9, 13)])
def test_transformer_net_keeps_any_size(h, w):
    net = TransformerNet(width=8, n_res=1).eval()
    with torch.no_grad(): out = net(torch.rand(2, 3, h, w))
    assert out.shape == (2, 3, h, w) and torch.isfinite(out).all()


def test_stylize_pil_and_restores_mode():
    net = TransformerNet(width=8, n_res=1).train()
    img = Image.new('RGB', (41, 29), (200, 30, 60))
    out = stylize(net, img)
    assert isinstance(out, Image.Image) and out.size == (41, 29) and out.mode == 'RGB'
    assert net.training
    assert stylize(net, img, size=16).size == (16, 16)
    with pytest.warns(DeprecationWarning, match='stylise is deprecated, use stylize'):
        assert stylise(net, img).tobytes() == out.tobytes()   # the old name, kept for one release


def test_fast_style_learner_trains_and_pickles(extractor, images, tmp_path):
    content, style = images
    photos = [Image.new('RGB', (64, 64), (90, 120, 30)), embedded_photos(['astronaut'])['astronaut']]
    dls = pair_dls(photos, size=32, bs=4, n_per_image=8, valid_pct=0.5, normalize=False, device='cpu')
    learn = fast_style_learner(dls, style, extractor, net=TransformerNet(width=8, n_res=1), path=tmp_path)
    with learn.no_bar(), learn.no_logging(): learn.fit(2, 3e-3)
    vals = learn.recorder.values
    assert len(vals) == 2 and all(torch.isfinite(torch.tensor(v)).all() for v in vals)
    # the trained network alone is what a user keeps: it pickles and gives the same picture back
    net2 = pickle.loads(pickle.dumps(learn.model))
    img = embedded_photos(['coffee'])['coffee'].resize((40, 30))
    assert stylize(learn.model, img).tobytes() == stylize(net2, img).tobytes()
