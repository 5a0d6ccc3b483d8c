"What the benchmark scripts share: their set-up, and the x4 super-resolution scores of a model on Set5 or Set14."
import os, warnings
from pathlib import Path

def setup(script:str, needs:str, out='bench_out', threads:int=2):
    "Caches inside the project, warnings off, `threads` torch threads; the shared folder (or exit) and `out`, made"
    root = Path(__file__).resolve().parents[1]
    for k in ('TORCH_HOME', 'FASTAI_HOME'): os.environ.setdefault(k, str(root/'.cache'/k.split('_')[0].lower()))
    warnings.filterwarnings('ignore')
    import torch
    torch.set_num_threads(threads)
    from featloss.core import find_shared
    shared = find_shared()
    if shared is None: raise SystemExit(f'{script} needs the shared folder ({needs})')
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    return shared, out

def sr4_scores(shared, enh, test_set:str='Set5') -> tuple[dict, dict]:
    "Mean PSNR-Y, LPIPS (the variant `evaluate_pairs` had) and grid ratio on `test_set` x4: `enh`'s, and bicubic's"
    from featloss.metrics import evaluate_pairs
    df = evaluate_pairs(shared/'data'/'sr'/test_set, enh, scale=4, name='model', progress=False)
    m, lp = df.loc['mean'], next(c for c in df.columns if c.startswith('model_lpips'))
    row = lambda k: {'psnr_y': float(m[f'{k}_psnr_y']), lp.removeprefix('model_'): float(m[lp.replace('model', k)]),
                     'grid': float(m[f'{k}_grid'])}
    return row('model'), row('bicubic')
