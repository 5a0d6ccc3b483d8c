"""Adversarial fine-tuning (featloss.gan) on fastai's GAN API: the critic's learning-rate multiplier is undone after
every batch, each half of the GAN stays still while the other trains, a tiny CPU run changes the generator, the
checkpoints load safely, the exported model is the generator, and bf16 autocast gives finite losses. Not `dev`: these
run on the newest fastai too."""
import warnings
import numpy as np, pandas as pd, pytest, torch, torch.nn as nn
from PIL import Image
from fastai.callback.core import Callback
from fastai.callback.schedule import ParamScheduler
from fastai.torch_core import set_seed
from featloss.data import superres_dls, Crappifier
from featloss.learner import superres_learner, export_enhancer, load_enhancer
from featloss.gan import (patch_critic, critic_dls, pretrain_critic, gan_learner, nogan, checkpoints, load_checkpoint,
                          panel_batch, FixedGANSwitcher, FreezeFrozen, CriticLR, plot_gan_history)

warnings.filterwarnings('ignore', message='.*weight_norm.*')


def tiny(precision='fp32', seed=0):
    set_seed(seed)
    dls = superres_dls(None, scale=4, size=48, bs=4, crappifier=Crappifier(4, quality=None), n_per_image=2)
    learn = superres_learner(dls, 'mse', arch='srnet', nf=16, n_blocks=1, precision=precision)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    return learn


def _gen(model, x):
    training = model.training; model.eval()
    with torch.no_grad(): y = model(x).float()
    model.train(training)
    return y


class Probe(Callback):
    order = ParamScheduler.order + 0.5
    def before_fit(self): self.rows = []
    def _flat(self, m): return torch.cat([p.detach().flatten().clone() for p in m.parameters()])
    def before_batch(self):
        if not self.training: return
        self.row = dict(gen=self.learn.gan_trainer.gen_mode, sched=self.opt.hypers[0]['lr'])
        self.w = [self._flat(m) for m in (self.model.generator, self.model.critic)]
    def before_step(self): self.row['step'] = self.opt.hypers[0]['lr']
    def after_step(self):
        self.row['gen_moved'], self.row['crit_moved'] = [not torch.equal(w, self._flat(m)) for w, m in
                                                         zip(self.w, (self.model.generator, self.model.critic))]


class ProbeEnd(Callback):
    order = 99
    def __init__(self, probe): self.probe = probe
    def after_batch(self):
        if self.training: self.probe.rows.append({**self.probe.row, 'after': self.opt.hypers[0]['lr']})


def probe(glearn, fit):
    p = Probe(); glearn.add_cbs([p, ProbeEnd(p)])
    with glearn.no_bar(), glearn.no_logging(): fit(glearn)
    for q in glearn.model.parameters(): q.requires_grad_(True)
    return pd.DataFrame(p.rows)


def test_critic_sizes():
    for size in (10, 48, 64, 96):
        out = patch_critic(size)(torch.randn(2, 3, size, size))
        assert out.shape[0] == 2 and out.shape[1] >= 4
    with pytest.raises(ValueError, match='too small'): patch_critic(8)


@pytest.mark.parametrize('sched', ['one_cycle', 'constant'])
def test_critic_lr_restored_and_frozen_half_still(sched):
    learn = tiny()
    set_seed(0)
    g = gan_learner(learn, patch_critic(48), switcher=FixedGANSwitcher(), mult_lr=5.)
    rows = probe(g, (lambda g: g.fit_one_cycle(2, 1e-4)) if sched == 'one_cycle' else (lambda g: g.fit(2, 1e-4)))
    crit, gen = rows[~rows.gen], rows[rows.gen]
    assert len(crit) >= 2 and len(gen) >= 2
    np.testing.assert_allclose(crit.step, 5 * crit.sched, rtol=1e-6)
    np.testing.assert_allclose(gen.step, gen.sched, rtol=1e-6)
    np.testing.assert_allclose(rows['after'], rows.sched, rtol=1e-6)   # back to the scheduled value after every batch
    assert not crit.gen_moved.any() and crit.crit_moved.all()
    assert not gen.crit_moved.any() and gen.gen_moved.all()


def test_without_the_fix_the_frozen_half_moves():
    "The trap FreezeFrozen fixes is real on this fastai: zeroed (not deleted) gradients get weight decay"
    learn = tiny()
    g = gan_learner(learn, patch_critic(48), switcher=FixedGANSwitcher())
    g.remove_cbs([cb for cb in g.cbs if isinstance(cb, FreezeFrozen)])
    rows = probe(g, lambda g: g.fit(1, 1e-4))
    assert rows[~rows.gen].gen_moved.all() and rows[rows.gen].crit_moved.all()


def test_critic_data_balanced():
    learn = tiny()
    dls = critic_dls(learn, n_batches=2)
    labels = [float(l) for _, l in dls.train_ds]
    assert len(labels) == 2 * 2 * learn.dls.train.bs and sum(labels) == len(labels) / 2


def test_nogan_tiny_run(tmp_path):
    learn = tiny()
    x, _ = panel_batch(learn.dls, 2)
    before = _gen(learn.model, x)
    set_seed(0)
    hist = nogan(learn, n_iters=10, out_dir=tmp_path, every=4, lr=1e-4, crit_batches=2, crit_epochs=1)
    assert list(hist.iteration) == list(range(1, 11)) and set(hist.trained) == {'critic', 'generator'}
    assert np.isfinite(hist.critic_loss.dropna()).all() and np.isfinite(hist.generator_loss.dropna()).all()
    after = _gen(learn.model, x)
    assert (after - before).abs().max() > 1e-4
    assert all(p.requires_grad for p in learn.model.parameters())
    assert sorted(checkpoints(tmp_path)) == [0, 4, 8, 10]
    sd = torch.load(checkpoints(tmp_path)[0], weights_only=True)
    assert all(torch.is_tensor(v) for v in sd.values())
    assert Image.open(tmp_path/'contact_sheet.png').size[1] == (4 + 2) * (48 * 2 + 2)
    assert pd.read_csv(tmp_path/'gan_history.csv').shape == hist.shape
    enh = load_enhancer(export_enhancer(learn, tmp_path/'model.pth'))   # the generator, not the critic
    assert type(enh.model) is type(learn.model)
    torch.testing.assert_close(enh.model(x), after, atol=1e-4, rtol=1e-4)
    load_checkpoint(learn, checkpoints(tmp_path)[0])
    torch.testing.assert_close(_gen(learn.model, x), before)
    plot_gan_history(hist, tmp_path/'h.png', every=4)
    assert (tmp_path/'h.png').stat().st_size > 0
    h2 = nogan(learn, n_iters=5, out_dir=tmp_path, every=4, lr=1e-4, crit_batches=2, crit_epochs=1)   # a second call continues
    assert list(h2.iteration) == list(range(11, 16)) and learn.gan_iterations == 15
    assert sorted(checkpoints(tmp_path)) == [0, 4, 8, 10, 12, 15]
    assert list(pd.read_csv(tmp_path/'gan_history.csv').iteration) == list(range(1, 16))


def test_nogan_bf16_finite():
    learn = tiny(precision='bf16')
    assert learn.precision == 'bf16'
    hist = nogan(learn, n_iters=6, lr=1e-4, crit_batches=2, crit_epochs=1)
    assert hist.generator_loss.notna().any()
    assert np.isfinite(hist.critic_loss.dropna()).all() and np.isfinite(hist.generator_loss.dropna()).all()


def test_refuses_several_processes(monkeypatch):
    import torch.distributed as dist
    learn = tiny()
    monkeypatch.setattr(dist, 'is_initialized', lambda: True)
    monkeypatch.setattr(dist, 'get_world_size', lambda: 2)
    with pytest.raises(NotImplementedError, match='one process'): nogan(learn, n_iters=2)
