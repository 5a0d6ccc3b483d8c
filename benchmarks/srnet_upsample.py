"""SRNet's lattice and its upsampling: the bundled models' recipe (`tools/train_bundled.sh`: the Debian wallpapers of
shared/data/photos shrunk to 640 px, 96-px crops, batches of 16, fp32, clean bicubic inputs, one cycle) with
`SRNet(4, upsample=...)`, scored on Set5 and Set14 x4 (PSNR-Y, LPIPS, grid ratio).

    .venv/bin/python benchmarks/srnet_upsample.py                              # nearest and bilinear, feature loss, lr 1e-3
    .venv/bin/python benchmarks/srnet_upsample.py --upsample bilinear --loss mse --lr 3e-3

Needs the shared folder. Two torch threads; 50 epochs (1050 steps) took about 7 minutes a model on 2 free cores.
One JSON line per model and set on stdout and in `bench_out/srnet_upsample.jsonl`.
"""
import argparse, json, os, time, warnings
from pathlib import Path

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--upsample', nargs='+', default=['nearest', 'bilinear'], choices=['nearest', 'bilinear'])
    p.add_argument('--loss', default='feature', choices=['feature', 'mse', 'l1'])
    p.add_argument('--epochs', type=int, default=50)
    p.add_argument('--lr', type=float, default=1e-3, help="peak rate (the bundled models: 3e-3, which left a bilinear "
                   "SRNet stuck at bicubic after its first epochs)")
    p.add_argument('--out', default='bench_out')
    a = p.parse_args()
    root = Path(__file__).resolve().parents[1]
    for k in ('TORCH_HOME', 'FASTAI_HOME'): os.environ.setdefault(k, str(root/'.cache'/k.split('_')[0].lower()))
    warnings.filterwarnings('ignore')
    import torch
    torch.set_num_threads(2)
    from fastai.torch_core import set_seed
    from featloss.core import find_shared
    from featloss.data import superres_dls, Crappifier
    from featloss.learner import superres_learner, make_loss, SRNet, export_enhancer, load_enhancer
    from featloss.metrics import evaluate_pairs
    shared = find_shared()
    if shared is None: raise SystemExit('srnet_upsample.py needs the shared folder (photos, Set5, Set14)')
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
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
            df = evaluate_pairs(shared/'data'/'sr'/s, enh, scale=4, name='model', progress=False)
            m, lp = df.loc['mean'], next(c for c in df.columns if c.startswith('model_lpips'))
            r = dict(upsample=up, loss=a.loss, lr=a.lr, steps=a.epochs * len(dls.train), seconds=secs, set=s,
                     psnr_y=round(float(m['model_psnr_y']), 3), lpips=round(float(m[lp]), 4), grid=round(float(m['model_grid']), 2),
                     bicubic_psnr_y=round(float(m['bicubic_psnr_y']), 3), bicubic_lpips=round(float(m[lp.replace('model', 'bicubic')]), 4),
                     lpips_variant=lp.removeprefix('model_'))
            print(json.dumps(r), flush=True)
            with open(out/'srnet_upsample.jsonl', 'a') as fh: fh.write(json.dumps(r) + '\n')

if __name__ == '__main__': main()
