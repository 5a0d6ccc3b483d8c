#!/usr/bin/env python3
"""Mixed precision, measured: `featloss train superres` and `featloss enhance` in each precision, at equal seed.

Run from the repository root (see benchmarks/README.md):

    .venv/bin/python benchmarks/bench_precision.py                       # CPU: fp32 vs auto (bf16 where the CPU has it)
    .venv/bin/python benchmarks/bench_precision.py --epochs 1 --skip-enhance
    .venv/bin/python benchmarks/bench_precision.py --precisions fp32 bf16 fp16   # on a GPU
    .venv/bin/python benchmarks/bench_precision.py --precisions fp32 bf16 --inference-precisions fp32 bf16

Everything runs as a user runs it: the `featloss` console script in a fresh process, one at a time (timings on a
2-core machine are only worth something with nothing else running). For each precision it records:

- train: wall time of `featloss train superres --epochs E` (the command's own total, from its log), the process's
  peak memory (ru_maxrss of the child), and the model's PSNR-Y / SSIM-Y on Set5 and Set14 (`featloss eval`);
- enhance: wall time and peak memory of `featloss enhance` with a colorization U-Net (ResNet-34) on the largest photo
  of shared/data/photos (2560x1920: the network runs at the photo's size), and the PSNR-Y between its output and the
  fp32 output (how far half precision moves the pixels);
- quality of inference alone: the fp32-trained model evaluated on Set5/Set14 under each precision.

Results: a markdown table printed and written to bench_out/precision.md (and .json).
"""
import argparse, json, os, re, resource, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault('TORCH_HOME', str(ROOT/'.cache'/'torch'))
os.environ.setdefault('FASTAI_HOME', str(ROOT/'.cache'/'fastai'))
FEATLOSS = Path(sys.executable).parent/'featloss'


def run(*args):
    "Run `featloss *args` in a fresh process: (wall seconds, that process's peak RSS in GiB, stdout); fails loudly"
    with tempfile.TemporaryFile('w+') as out, tempfile.TemporaryFile('w+') as err:
        t0 = time.perf_counter()
        p = subprocess.Popen([str(FEATLOSS), *map(str, args)], stdout=out, stderr=err,
                             env={**os.environ, 'MPLBACKEND': 'Agg'}, text=True)
        _, status, usage = os.wait4(p.pid, 0)        # this child's own resource usage
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0); err.seek(0); stdout, stderr = out.read(), err.read()
    if p.returncode: sys.exit(f"featloss {' '.join(map(str, args))} failed:\n{stderr[-3000:]}")
    return wall, usage.ru_maxrss / 2**20, stdout   # ru_maxrss: KiB on Linux


def eval_table(model, pairs, precision):
    "Mean PSNR-Y and SSIM-Y of `model` on the pairs folder, with `featloss eval` in `precision`"
    _, _, out = run('eval', model, pairs, '--precision', precision)
    mean = [l for l in out.splitlines() if l.startswith('mean')][0].split()
    return {'psnr_y': float(mean[-3]), 'ssim_y': float(mean[-2])}   # the model's columns come last


def psnr_between(a, b) -> float:
    "PSNR-Y (dB) between two image files (`featloss.metrics.psnr_y`)"
    from PIL import Image
    from featloss.metrics import psnr_y
    return float(psnr_y(Image.open(a).convert('RGB'), Image.open(b).convert('RGB')))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--precisions', nargs='+', default=['fp32', 'auto'], help='training precisions (default: fp32 auto)')
    p.add_argument('--inference-precisions', nargs='+', default=None,
                   help='inference precisions (default: fp32 auto bf16, and fp16 on a GPU)')
    p.add_argument('--data', default='embedded', help="featloss train's --data (default: embedded)")
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--skip-enhance', action='store_true')
    p.add_argument('--out', default=str(ROOT/'bench_out'))
    a = p.parse_args()
    from featloss.core import find_shared
    shared = find_shared()
    sets = {n: shared/'data'/'sr'/n for n in ('Set5', 'Set14')} if shared else {}
    sets = {n: d for n, d in sets.items() if d.is_dir()}
    work = Path(tempfile.mkdtemp(prefix='bench_precision-'))
    res = {'load': os.getloadavg(), 'train': {}, 'enhance': {}, 'inference_quality': {}}
    print(f"load average {os.getloadavg()[0]:.2f}; work folder {work}", flush=True)
    for prec in a.precisions:
        out = work/f'train_{prec}'
        wall, peak, stdout = run('train', 'superres', '--data', a.data, '--out', out, '--epochs', a.epochs,
                                 '--precision', prec, '--seed', 42)
        head = stdout.splitlines()[0]
        used = re.search(r'\b(fp32|bf16|fp16)\b(?: \(auto[^)]*\))?$', head)
        log = (out/'train_log.txt').read_text()
        row = {'wall_s': wall, 'peak_gib': peak, 'precision': used[1] if used else prec,
               'train_s': float(re.search(r'^time: ([\d.]+) s', log, re.M)[1])}
        row.update({f'{n}_{k}': v for n, d in sets.items() for k, v in eval_table(out/'model.pth', d, 'fp32').items()})
        res['train'][prec] = row
        print(f"train {prec}: {row}", flush=True)
    import torch
    inf_precs = a.inference_precisions or ['fp32', 'auto', 'bf16'] + (['fp16'] if torch.cuda.is_available() else [])
    fp32_model = work/'train_fp32'/'model.pth'
    if fp32_model.exists():
        for prec in inf_precs:
            res['inference_quality'][prec] = {n: eval_table(fp32_model, d, prec) for n, d in sets.items()}
            print(f"inference {prec}: {res['inference_quality'][prec]}", flush=True)
    if not a.skip_enhance and shared and (shared/'data'/'photos').is_dir():
        from PIL import Image
        photos = [f for f in (shared/'data'/'photos').iterdir() if f.suffix.lower() in ('.png', '.jpg', '.jpeg')]
        big = max(photos, key=lambda f: Image.open(f).size[0] * Image.open(f).size[1])
        # a colorization U-Net (ResNet-34, one short epoch: its speed is that of any trained one) runs at the photo's size
        col = work/'colorize'
        run('train', 'colorize', '--data', 'embedded', '--out', col, '--epochs', 1, '--size', 64, '--loss', 'mse',
            '--precision', 'fp32')
        ref = None
        for prec in inf_precs:
            o = work/f'enh_{prec}.png'
            wall, peak, _ = run('enhance', col/'model.pth', big, o, '--precision', prec)
            row = {'photo': f"{big.name} {Image.open(big).size}", 'wall_s': wall, 'peak_gib': peak}
            if ref is None: ref = o
            else: row['psnr_y_vs_first'] = psnr_between(ref, o)
            res['enhance'][prec] = row
            print(f"enhance {prec}: {row}", flush=True)
    Path(a.out).mkdir(exist_ok=True)
    (Path(a.out)/'precision.json').write_text(json.dumps(res, indent=1))
    lines = ['| precision | train wall (s) | peak GiB | ' + ' | '.join(f'{n} PSNR-Y / SSIM-Y' for n in sets) + ' |',
             '|---|---|---|' + '---|' * len(sets)]
    for prec, r in res['train'].items():
        lines.append(f"| {prec} ({r['precision']}) | {r['wall_s']:.0f} | {r['peak_gib']:.2f} | "
                     + ' | '.join(f"{r[n + '_psnr_y']:.2f} / {r[n + '_ssim_y']:.4f}" for n in sets) + ' |')
    md = '\n'.join(lines)
    if res['inference_quality']:
        md += '\n\nfp32-trained model, inference in each precision:\n\n| precision | ' + ' | '.join(sets) + ' |\n|---|' + '---|' * len(sets)
        for prec, q in res['inference_quality'].items():
            md += f"\n| {prec} | " + ' | '.join(f"{q[n]['psnr_y']:.3f} / {q[n]['ssim_y']:.4f}" for n in sets) + ' |'
    if res['enhance']:
        md += '\n\n| enhance | wall (s) | peak GiB | PSNR-Y vs first |\n|---|---|---|---|'
        for prec, r in res['enhance'].items():
            md += f"\n| {prec} | {r['wall_s']:.1f} | {r['peak_gib']:.2f} | {r.get('psnr_y_vs_first', float('nan')):.2f} |"
    (Path(a.out)/'precision.md').write_text(md + '\n')
    print(md)


if __name__ == '__main__': main()
