"""NoGAN's adversarial weight, measured: the bundled `sr4-feature` SRNet fine-tuned by `featloss.gan.nogan` with each
adversarial weight (0 = the same fine-tuning without the critic's vote), scored on Set5 x4 (PSNR-Y, LPIPS, grid ratio).

    .venv/bin/python benchmarks/gan_weights.py                          # lr 1e-4 and 1e-5, weights 0, 0.05, 0.2, 1
    .venv/bin/python benchmarks/gan_weights.py --lrs 1e-5 --w-adv 0 0.01 --iters 200

Needs the shared folder (training photos and Set5). One torch thread; a run of 200 iterations takes about a minute
and a half on one core of a 2-core machine, scoring included. The table goes to stdout and `bench_out/gan_weights.csv`.
"""
import argparse, time
from _bench import setup, sr4_scores

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--lrs', type=float, nargs='+', default=[1e-4, 1e-5], help="the generator's learning rates")
    p.add_argument('--w-adv', type=float, nargs='+', default=[0., 0.05, 0.2, 1.], help='adversarial weights')
    p.add_argument('--w-content', type=float, default=1., help="the feature loss's weight in the generator's loss")
    p.add_argument('--iters', type=int, default=200, help='iterations of the adversarial phase (critic and generator steps)')
    p.add_argument('--size', type=int, default=48, help='training crop size')
    p.add_argument('--photos', type=int, default=240, help='training photos (of shared/data/train)')
    p.add_argument('--out', default='bench_out')
    a = p.parse_args()
    shared, out = setup('gan_weights.py', 'training photos and Set5', a.out, threads=1)
    import pandas as pd
    from fastai.torch_core import set_seed
    from featloss.data import Crappifier, superres_dls, source_items
    from featloss.learner import superres_learner, feature_loss, inference_model, load_enhancer, Enhancer
    from featloss.gan import nogan

    def learner():
        set_seed(42)
        dls = superres_dls(source_items('shared')[:a.photos], scale=4, size=a.size, bs=8,
                           crappifier=Crappifier(4, quality=None), n_per_image=1)
        return superres_learner(dls, feature_loss(), arch=inference_model(load_enhancer('sr4-feature').model).train())

    def score(model):
        m, _ = sr4_scores(shared, Enhancer(inference_model(model), task='superres', scale=4, precision='fp32'))
        return {'PSNR-Y': m.pop('psnr_y'), **m}

    rows = [{'lr': None, 'w_adv': None, 'generator steps': 0, **score(learner().model)}]
    print('start (sr4-feature):', {k: round(v, 4) for k, v in rows[0].items() if isinstance(v, float)}, flush=True)
    for lr in a.lrs:
        for w in a.w_adv:
            learn, t = learner(), time.perf_counter()
            set_seed(0)
            hist = nogan(learn, n_iters=a.iters, lr=lr, weights_gen=(w, a.w_content))
            rows.append({'lr': lr, 'w_adv': w, 'generator steps': int((hist.trained == 'generator').sum()),
                         'critic accuracy': learn.critic_accuracy[0], **score(learn.model),
                         'seconds': time.perf_counter() - t})
            print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in rows[-1].items()}, flush=True)
    tbl = pd.DataFrame(rows)
    tbl.to_csv(out/'gan_weights.csv', index=False)
    print(f"\n{a.iters} iterations of sr4-feature's adversarial phase on {a.size}-px crops, content weight {a.w_content}; Set5 x4:")
    print(tbl.round(4).to_string(index=False))

if __name__ == '__main__': main()
