"Property tests (hypothesis) of the loss functions on random shapes and values."
import torch, torch.nn as nn, torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from featloss import FeatureLoss, gram_matrix, total_variation

NET = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())

shapes = st.tuples(st.integers(1, 3), st.integers(1, 6), st.integers(2, 12), st.integers(2, 12))

@settings(max_examples=40, deadline=None)
@given(shapes, st.integers(0, 2**31 - 1))
def test_gram_symmetric_psd_and_layout_free(shape, seed):
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(seed))
    g = gram_matrix(x)
    assert g.shape == (shape[0], shape[1], shape[1])
    assert torch.allclose(g, g.transpose(1, 2), atol=1e-6)
    assert (torch.linalg.eigvalsh(g.double()) > -1e-5).all()
    assert torch.allclose(gram_matrix(x.contiguous(memory_format=torch.channels_last)), g, atol=1e-5)

@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(8, 24), st.integers(8, 24), st.integers(0, 2**31 - 1), st.sampled_from([F.l1_loss, F.mse_loss]))
def test_feature_loss_zero_on_identity_and_reductions_agree(n, h, w, seed, base):
    g = torch.Generator().manual_seed(seed)
    a, b = torch.randn(n, 3, h, w, generator=g), torch.randn(n, 3, h, w, generator=g)
    fl = FeatureLoss(NET, layers=(1, 3), gram_wgt=2., base_loss=base, normalize=bool(seed % 2))
    assert fl(a, a).item() == 0.
    mean = fl(a, b)
    assert mean > 0
    fl.reduction = 'none'; per = fl(a, b)
    assert per.shape == (n,) and torch.allclose(per.mean(), mean, rtol=1e-5)
    assert torch.allclose(sum(fl.metrics.values()), mean, rtol=1e-5)

@settings(max_examples=30, deadline=None)
@given(shapes, st.floats(-10, 10))
def test_total_variation_ignores_constant_offsets(shape, c):
    x = torch.randn(*shape)
    assert torch.allclose(total_variation(x + c), total_variation(x), atol=1e-4)
    assert total_variation(torch.full(shape, c)).item() == 0.
