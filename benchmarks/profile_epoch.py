#!/usr/bin/env python3
"""Where an epoch of `featloss train superres` spends its time: data, forward, loss, backward, step, metrics, validation.

    .venv/bin/python benchmarks/profile_epoch.py                      # the default recipe, 'auto' precision
    .venv/bin/python benchmarks/profile_epoch.py --precision fp32 --data shared

It builds what `featloss train superres` builds (superres_dls + superres_learner: 96 px crops, batch 8, ResNet-34
U-Net, feature loss) and trains one epoch with two timing callbacks, one called first and one last at every event,
so that each phase is the time between two events:

- data: from the end of a batch (after every callback, the Recorder's metrics included) to the start of the next:
  the DataLoader making the batch (crops, degradation, collation, normalisation);
- forward, loss, backward, step: between before_batch, after_pred, after_loss, after_backward, after_step;
- record: from after_step (after_loss in validation) to the last callback's after_batch: the Recorder's smoothing of
  the loss and the metrics' accumulation (the loss components and PSNR are computed per batch there);
- the validation pass is reported as a whole and split the same way.

The table is printed and written to bench_out/profile_epoch.md.
"""
import argparse, os, time, warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault('TORCH_HOME', str(ROOT/'.cache'/'torch'))
os.environ.setdefault('FASTAI_HOME', str(ROOT/'.cache'/'fastai'))
from fastai.callback.core import Callback

EVENTS = ('before_batch', 'after_pred', 'after_loss', 'after_backward', 'after_step', 'after_batch')


class _Stamp(Callback):
    "Record the time of every batch event; `first` ones run before all other callbacks, the others after"
    def __init__(self, first, log): self.first, self.log = first, log; self.order = -1000 if first else 1000
    def _t(self, ev): self.log.append((ev if self.first else ev + '_last', self.training, time.perf_counter()))
    def before_batch(self): self._t('before_batch')
    def after_pred(self): self._t('after_pred')
    def after_loss(self): self._t('after_loss')
    def after_backward(self): self._t('after_backward')
    def after_step(self): self._t('after_step')
    def after_batch(self): self._t('after_batch')
    def before_validate(self): self._t('before_validate')
    def after_validate(self): self._t('after_validate')


def phases(log):
    "Seconds per phase, train and valid apart"
    tot = defaultdict(float)
    prev_end, marks = None, {}
    for ev, training, t in log:
        part = 'train' if training else 'valid'
        if ev == 'before_batch':
            if prev_end is not None: tot[(part, 'data')] += t - prev_end
            marks = {'before_batch': t}
        elif ev in ('after_pred', 'after_loss', 'after_backward', 'after_step'): marks[ev] = t
        elif ev == 'after_batch_last':
            b = marks
            tot[(part, 'forward')] += b['after_pred'] - b['before_batch']
            tot[(part, 'loss')] += b['after_loss'] - b['after_pred']
            if 'after_step' in b:
                tot[(part, 'backward')] += b['after_backward'] - b['after_loss']
                tot[(part, 'step')] += b['after_step'] - b['after_backward']
            tot[(part, 'record')] += t - b.get('after_step', b['after_loss'])
            prev_end = t
        elif ev == 'before_validate': prev_end = t
        elif ev == 'after_validate': prev_end = None
    return tot


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--precision', default='auto')
    p.add_argument('--data', default='embedded')
    p.add_argument('--epochs', type=int, default=1)
    p.add_argument('--out', default=str(ROOT/'bench_out'))
    a = p.parse_args()
    warnings.simplefilter('ignore')
    from fastai.torch_core import set_seed
    from featloss.data import superres_dls
    from featloss.learner import superres_learner
    set_seed(42)
    dls = superres_dls(None if a.data == 'embedded' else a.data, scale=4, size=96, bs=8, seed=42)
    learn = superres_learner(dls, precision=a.precision)
    log = []
    learn.add_cbs([_Stamp(True, log), _Stamp(False, log)])
    t0 = time.perf_counter()
    with learn.no_bar(): learn.fit_one_cycle(a.epochs, 1e-3)
    total = time.perf_counter() - t0
    tot = phases(log)
    n_train, n_valid = len(dls.train) * a.epochs, len(dls.valid) * a.epochs
    lines = [f"featloss train superres, {a.data} data, {a.epochs} epoch(s) of {len(dls.train)} batches of 8 (96 px) + "
             f"{len(dls.valid)} validation batches; precision {learn.precision}; {total:.1f} s in all "
             f"(load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs, torch threads {__import__('torch').get_num_threads()})",
             '', '| phase | train s | per batch | valid s | per batch | share of the epoch |', '|---|---|---|---|---|---|']
    for ph in ('data', 'forward', 'loss', 'backward', 'step', 'record'):
        tr, va = tot.get(('train', ph), 0.), tot.get(('valid', ph), 0.)
        lines.append(f"| {ph} | {tr:.2f} | {tr / max(n_train, 1):.3f} | {va:.2f} | {va / max(n_valid, 1):.3f} | "
                     f"{(tr + va) / total:.0%} |")
    rest = total - sum(tot.values())
    lines.append(f"| other (fit set-up, epoch ends, schedulers) | | | | | {rest / total:.0%} ({rest:.1f} s) |")
    md = '\n'.join(lines)
    Path(a.out).mkdir(exist_ok=True)
    (Path(a.out)/f'profile_epoch_{learn.precision}.md').write_text(md + '\n')
    print(md)


if __name__ == '__main__': main()
