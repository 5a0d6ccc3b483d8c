"""What holds the bundled models back, their data or their loss: the bundled `sr4-feature` SRNet trained on for the
same number of steps with each loss on each data set, scored on Set5 and Set14 x4 (PSNR-Y, LPIPS, grid ratio).

    .venv/bin/python benchmarks/srnet_data.py                                   # 3 losses x 2 data sets, ~300 steps each
    .venv/bin/python benchmarks/srnet_data.py --data photos --losses feature --steps 100
    .venv/bin/python benchmarks/srnet_data.py --start scratch --data train --losses mse lpips --steps 1050 --lr 1e-3

Data: `photos` is what the bundled models were trained on (`tools/train_bundled.sh`: the Debian wallpapers of
shared/data/photos shrunk to 640 px, whose licences allow shipping a model); `train` is T91 + BSDS400
(shared/data/train: natural photographs whose licences do not). Losses: `feature` (the bundled model's own,
`feature_loss()`), `mse`, and `lpips` (pixel L1 + LPIPS-squeeze itself: the network and calibrated layers that score
LPIPS here, so its LPIPS is what optimising the yardstick directly buys). Same start, seed, crops of 96 px, batches
of 16, one cycle at lr 3e-4, fp32. Needs the shared folder. Two torch threads; about 2 minutes a run on 2 free cores.
One JSON line per run and set on stdout and in `bench_out/srnet_data.jsonl`.
"""
import argparse, json, time
from _bench import setup, sr4_scores

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', nargs='+', default=['photos', 'train'], choices=['photos', 'train'])
    p.add_argument('--losses', nargs='+', default=['feature', 'mse', 'lpips'], choices=['feature', 'mse', 'lpips'])
    p.add_argument('--steps', type=int, default=320, help='training steps (rounded to whole epochs)')
    p.add_argument('--lr', type=float, default=3e-4)
    p.add_argument('--start', default='sr4-feature', choices=['sr4-feature', 'scratch'],
                   help="the bundled model, or a fresh SRNet(4) (the bicubic upscale) to train from the start")
    p.add_argument('--out', default='bench_out')
    a = p.parse_args()
    shared, out = setup('srnet_data.py', 'photos, train, Set5, Set14', a.out)
    from fastai.torch_core import set_seed
    from featloss.data import superres_dls, Crappifier
    from featloss.learner import superres_learner, make_loss, export_enhancer, load_enhancer, inference_model, SRNet
    from featloss.losses import ComponentLoss, LPIPSLoss

    class L1LPIPS(ComponentLoss):
        "Pixel L1 plus LPIPS-squeeze, each reported as a column"
        metric_names = ['pixel', 'lpips_squeeze']
        def __init__(self):
            super().__init__()
            self.l1, self.lp = make_loss('l1'), LPIPSLoss('squeeze')   # not named as the columns: fastai reads those
        def forward(self, pred, targ):
            return self._record({'pixel': self.l1(pred, targ), 'lpips_squeeze': self.lp(pred, targ)}, 'mean')

    losses = {'feature': make_loss, 'mse': lambda: make_loss('mse'), 'lpips': L1LPIPS}
    for d in a.data:
        for l in a.losses:
            set_seed(42)
            kw = dict(max_side=640) if d == 'photos' else {}
            dls = superres_dls(shared/'data'/d, crappifier=Crappifier(4, quality=None), size=96, bs=16, seed=42, **kw)
            epochs = max(1, round(a.steps / len(dls.train)))
            model = SRNet(4) if a.start == 'scratch' else inference_model(load_enhancer('sr4-feature').model).train()
            learn = superres_learner(dls, losses[l](), arch=model, precision='fp32')
            t = time.time()
            with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, a.lr)
            secs = round(time.time() - t)
            enh = load_enhancer(export_enhancer(learn, out/f'srnet_data_{a.start}_{d}_{l}.pth'))
            for s in ('Set5', 'Set14'):
                m, bicubic = sr4_scores(shared, enh, s)
                r = dict(start=a.start, data=d, loss=l, steps=epochs * len(dls.train), lr=a.lr, seconds=secs, set=s,
                         **{k: round(v, 4) for k, v in m.items()}, bicubic={k: round(v, 4) for k, v in bicubic.items()})
                print(json.dumps(r), flush=True)
                with open(out/'srnet_data.jsonl', 'a') as fh: fh.write(json.dumps(r) + '\n')

if __name__ == '__main__': main()
