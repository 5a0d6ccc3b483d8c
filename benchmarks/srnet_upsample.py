"""SRNet's lattice and its upsampling: the bundled models' recipe (`tools/train_bundled.sh`: the Debian wallpapers of
shared/data/photos shrunk to 640 px, 96-px crops, batches of 16, fp32, clean bicubic inputs, one cycle) with
`SRNet(4, upsample=...)`, scored on Set5 and Set14 x4 (PSNR-Y, LPIPS, grid ratio).

    .venv/bin/python benchmarks/srnet_upsample.py                              # nearest and bilinear, feature loss, lr 1e-3
    .venv/bin/python benchmarks/srnet_upsample.py --upsample bilinear --loss mse --lr 3e-3

Needs the shared folder. Two torch threads; 50 epochs (1050 steps) took about 7 minutes a model on 2 free cores.
One JSON line per model and set on stdout and in `bench_out/srnet_upsample.jsonl`.
"""
import argparse, json, time
from _bench import setup, sr4_scores

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--upsample', nargs='+', default=['nearest', 'bilinear'], choices=['nearest', 'bilinear'])
    p.add_argument('--loss', default='feature', choices=['feature', 'mse', 'l1'])
    p.add_argument('--epochs', type=int, default=50)
    p.add_argument('--lr', type=float, default=1e-3, help="peak rate (the bundled models: 3e-3, which left a bilinear "
                   "SRNet stuck at bicubic after its first epochs)")
    p.add_argument('--out', default='bench_out')
    a = p.parse_args()
    shared, out = setup('srnet_upsample.py', 'photos, Set5, Set14', a.out)
    from fastai.torch_core import set_seed
    from featloss.data import superres_dls, Crappifier
    from featloss.learner import superres_learner, make_loss, SRNet, export_enhancer, load_enhancer
    for up in a.upsample:
        set_seed(42)
        dls = superres_dls(shared/'data'/'photos', crappifier=Crappifier(4, quality=None), size=96, bs=16, seed=42,
                           max_side=640)
        learn = superres_learner(dls, make_loss(a.loss), arch=SRNet(4, upsample=up), precision='fp32')
        t = time.time()
        with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(a.epochs, a.lr)
        secs = round(time.time() - t)
        enh = load_enhancer(export_enhancer(learn, out/f'srnet_{up}_{a.loss}.pth'))
        for s in ('Set5', 'Set14'):
            model, bicubic = sr4_scores(shared, enh, s)
            r = dict(upsample=up, loss=a.loss, lr=a.lr, steps=a.epochs * len(dls.train), seconds=secs, set=s,
                     **{k: round(v, 4) for k, v in model.items()}, bicubic={k: round(v, 4) for k, v in bicubic.items()})
            print(json.dumps(r), flush=True)
            with open(out/'srnet_upsample.jsonl', 'a') as fh: fh.write(json.dumps(r) + '\n')

if __name__ == '__main__': main()
