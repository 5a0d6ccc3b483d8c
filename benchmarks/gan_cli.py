"""`featloss train superres --epochs 3 --gan 300`, taken apart: the model `featloss train` makes in 3 epochs (offline
defaults: random ResNet-34 U-Net, feature loss on the offline SqueezeNet, `--data shared`), then `featloss.gan.nogan`
with each setting below from the same start, each scored on Set5 x4 (PSNR-Y, LPIPS, grid ratio) against the start.

    .venv/bin/python benchmarks/gan_cli.py                                # every setting (about 6 minutes each)
    .venv/bin/python benchmarks/gan_cli.py --settings cli content_only    # some of them

Settings: `cli` is what `--gan 300` runs (`nogan`'s defaults); `content_only` the same with the adversarial weight 0
(the control: critic turns, optimiser and rate alike, but the generator follows the feature loss alone); the `_1to1`
ones alternate critic and generator steps (`critic_thresh=None`) at lr 1e-4, as course-v3's superres-gan rate; the
`_aa` ones use a critic with a binomial low-pass before each stride-2 convolution (Zhang 2019), blind to patterns
at the pixel period. Needs the shared folder. Two torch threads. The table goes to stdout and `bench_out/gan_cli.csv`.
"""
import argparse, time
from _bench import setup, sr4_scores

SETTINGS = {
    'cli': {},
    'content_only': dict(weights_gen=(0., 2.)),
    'content_only_lr1e-4': dict(lr=1e-4, weights_gen=(0., 2.)),
    'w1_1to1': dict(lr=1e-4, critic_thresh=None),
    'w0.2_1to1': dict(lr=1e-4, weights_gen=(0.2, 2.), critic_thresh=None),
    'w1_1to1_aa': dict(lr=1e-4, critic_thresh=None),
    'w0.2_1to1_aa': dict(lr=1e-4, weights_gen=(0.2, 2.), critic_thresh=None),
}

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--settings', nargs='+', default=list(SETTINGS), choices=list(SETTINGS))
    p.add_argument('--iters', type=int, default=300, help='iterations of the adversarial phase (critic and generator steps)')
    p.add_argument('--epochs', type=int, default=3, help="the generator's training before it (featloss train's --epochs)")
    p.add_argument('--out', default='bench_out')
    a = p.parse_args()
    shared, out = setup('gan_cli.py', 'training photos and Set5', a.out)
    import torch, torch.nn as nn, pandas as pd
    from fastai.torch_core import set_seed
    from featloss import cli
    from featloss.features import BlurPool
    from featloss.learner import export_enhancer, load_enhancer
    from featloss.gan import nogan, patch_critic

    def aa_critic(size=96, nf=32):
        "`patch_critic` with a binomial low-pass before each stride-2 convolution"
        c = patch_critic(size, nf)
        todo = [(m, i, s) for m in c.modules() if isinstance(m, nn.Sequential) for i, s in enumerate(m)
                if isinstance(s, nn.Conv2d) and tuple(s.stride) == (2, 2)]
        for m, i, s in todo: m[i] = nn.Sequential(BlurPool(1), s)
        return c

    # the learner `featloss train superres --data shared --epochs N` builds, trained as it trains it
    args = cli.build_parser().parse_args(['train', 'superres', '--data', 'shared', '--out', str(out/'unused'),
                                          '--epochs', str(a.epochs)])
    size, loss_kw, source = cli._train_size(args), cli._loss_args(args), cli._source(args.data)
    set_seed(args.seed)
    dls, learn = cli._train_learner(args, source, size, torch.device('cpu'), loss_kw)
    t = time.time()
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(args.epochs, args.lr)
    print(f"generator: {args.epochs} epochs of {len(dls.train)} steps in {time.time() - t:.0f} s", flush=True)
    start = {k: v.clone() for k, v in learn.model.state_dict().items()}

    def score(name, **extra):
        model, bicubic = sr4_scores(shared, load_enhancer(export_enhancer(learn, out/'gan_cli_model.pth')))
        row = {'setting': name, **model, **extra}
        print(row, flush=True)
        return row, {'setting': 'bicubic', **bicubic}

    r, bic = score(f'start ({args.epochs} epochs, no --gan)')
    rows = [bic, r]
    for s in a.settings:
        learn.model.load_state_dict(start)
        learn.gan_critic, learn.gan_iterations = (aa_critic() if s.endswith('_aa') else None), 0
        t = time.time()
        h = nogan(learn, a.iters, **SETTINGS[s])
        g = h[h.trained == 'generator']
        rows.append(score(s, generator_steps=len(g), critic_accuracy=learn.critic_accuracy[0],
                          adversarial=g.adversarial.mean(), seconds=round(time.time() - t))[0])
    df = pd.DataFrame(rows)
    df.to_csv(out/'gan_cli.csv', index=False)
    print(df.round(4).to_string(index=False))

if __name__ == '__main__': main()
