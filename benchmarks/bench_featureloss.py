#!/usr/bin/env python
"""Benchmark featloss.FeatureLoss against lesson 7's feature loss as published (fastai course-v3, lesson7-superres).

Measures one forward+backward with respect to the prediction (the prediction requires grad, the target does not),
median over `--iters` timed iterations after `--warmup` untimed ones, for each configuration and image size.
Every configuration runs in a fresh subprocess (this script re-invoked with `--one CONFIG`). By default the
subprocesses of one size are all set up first and take their steps in turn (step k of every configuration before
step k+1 of any, one process computing at a time), so that changes in the machine's background load hit every
configuration alike; `--schedule sequential` runs one subprocess after the other instead. Each one's peak memory is
its own: on CPU, peak RSS minus the RSS measured (/proc/self/statm) right after building the loss and the inputs
(the peak is VmHWM, reset to the current RSS after setup: ru_maxrss would do, but a subprocess inherits its parent's
peak in it through vfork+exec; it is kept in the JSON as `ru_maxrss_minus_baseline_mb`); on CUDA,
torch.cuda.max_memory_allocated() minus memory_allocated() after setup (peak stats reset after setup).
Both losses use the same seeded random VGG16-bn weights (`load_features('vgg16_bn', None)`, what
`FeatureLoss(weights=None)` uses) and the same inputs: real photos (`photo_batch`), ImageNet-normalised; the
prediction is the target downscaled x4 and upscaled back (bicubic).

    .venv/bin/python benchmarks/bench_featureloss.py                  # CPU, 128 and 256 px, batch 8
    .venv/bin/python benchmarks/bench_featureloss.py --device cuda    # adds fp16 autocast configurations

Writes bench_out/featureloss.md and bench_out/featureloss.json (git-ignored).
"""
from __future__ import annotations
import argparse, contextlib, ctypes, gc, json, os, platform, re, resource, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault('TORCH_HOME', str(ROOT/'.cache'/'torch'))
sys.path.insert(0, str(ROOT))

import torch, torch.nn as nn, torch.nn.functional as F

LAYER_IDS, LAYER_WGTS = (22, 32, 42), (5, 15, 2)   # relu3_3, relu4_3, relu5_3 of vgg16_bn.features
REF_CFG = 'ref_fp32'

# name -> (implementation, autocast dtype or None, channels_last, description)
CONFIGS = {
    'ref_fp32':    ('ref', None,  False, 'reference (lesson 7 as published), fp32'),
    'fl_fp32':     ('fl',  None,  False, 'FeatureLoss(channels_last=False), fp32'),
    'fl_fp32_cl':  ('fl',  None,  True,  'FeatureLoss(channels_last=True) (the library default), fp32, channels_last inputs'),
    'fl_bf16':     ('fl',  'bf16', False, 'FeatureLoss(channels_last=False), bf16 autocast'),
    'fl_bf16_cl':  ('fl',  'bf16', True,  'FeatureLoss(channels_last=True), bf16 autocast, channels_last inputs'),
    'ref_bf16':    ('ref', 'bf16', False, 'reference, bf16 autocast (for information)'),
    'fl_fp16':     ('fl',  'fp16', False, 'FeatureLoss(channels_last=False), fp16 autocast'),
    'fl_fp16_cl':  ('fl',  'fp16', True,  'FeatureLoss(channels_last=True), fp16 autocast, channels_last inputs'),
    'ref_fp16':    ('ref', 'fp16', False, 'reference, fp16 autocast (for information)'),
}
CPU_CONFIGS = ['ref_fp32', 'fl_fp32', 'fl_fp32_cl', 'fl_bf16', 'fl_bf16_cl', 'ref_bf16']
CUDA_CONFIGS = CPU_CONFIGS + ['fl_fp16', 'fl_fp16_cl', 'ref_fp16']
DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}

# ---------------------------------------------------------------------------------------------------------------
# Lesson 7's loss, as published in fastai course-v3 (nbs/dl1/lesson7-superres.ipynb), with fastai v1's
# `hook_outputs(..., detach=False)` replaced by plain `register_forward_hook`s that store each output.

base_loss = F.l1_loss

def gram_matrix(x):
    n,c,h,w = x.size()
    x = x.view(n, c, -1)
    return (x @ x.transpose(1,2))/(c*h*w)

class _Hook:
    "fastai v1's Hook with detach=False: keep the module's latest output in `.stored`"
    def __init__(self, m): self.stored, self.handle = None, m.register_forward_hook(self.hook_fn)
    def hook_fn(self, module, input, output): self.stored = output
    def remove(self): self.handle.remove()

class RefFeatureLoss(nn.Module):
    def __init__(self, m_feat, layer_ids, layer_wgts):
        super().__init__()
        self.m_feat = m_feat
        self.loss_features = [self.m_feat[i] for i in layer_ids]
        self.hooks = [_Hook(m) for m in self.loss_features]
        self.wgts = layer_wgts
        self.metric_names = ['pixel',] + [f'feat_{i}' for i in range(len(layer_ids))
              ] + [f'gram_{i}' for i in range(len(layer_ids))]

    def make_features(self, x, clone=False):
        self.m_feat(x)
        return [(o.clone() if clone else o) for o in (h.stored for h in self.hooks)]

    def forward(self, input, target):
        out_feat = self.make_features(target, clone=True)
        in_feat = self.make_features(input)
        self.feat_losses = [base_loss(input,target)]
        self.feat_losses += [base_loss(f_in, f_out)*w
                             for f_in, f_out, w in zip(in_feat, out_feat, self.wgts)]
        self.feat_losses += [base_loss(gram_matrix(f_in), gram_matrix(f_out))*w**2 * 5e3
                             for f_in, f_out, w in zip(in_feat, out_feat, self.wgts)]
        self.metrics = dict(zip(self.metric_names, self.feat_losses))
        return sum(self.feat_losses)

    def __del__(self):
        for h in self.hooks: h.remove()

def make_reference(state_dict, device):
    import torchvision
    vgg_m = torchvision.models.vgg16_bn(weights=None).features      # all 44 layers
    vgg_m.load_state_dict(state_dict)
    vgg_m = vgg_m.to(device).eval()
    for p in vgg_m.parameters(): p.requires_grad_(False)             # fastai v1's requires_grad(vgg_m, False)
    return RefFeatureLoss(vgg_m, LAYER_IDS, LAYER_WGTS)

def make_featureloss(channels_last, device):
    from featloss.losses import FeatureLoss
    return FeatureLoss('vgg16_bn', weights=None, channels_last=channels_last).to(device)

# ---------------------------------------------------------------------------------------------------------------
# Inputs and weights: built once by the parent, saved, loaded by every child (identical for all configurations).

def make_inputs(size, bs):
    from featloss.data import photo_batch, imagenet_norm
    targ = photo_batch(size=size, n=bs)                                               # real photos in [0,1]
    low = F.interpolate(targ, scale_factor=0.25, mode='bicubic', antialias=True, align_corners=False)
    pred = F.interpolate(low, size=(size, size), mode='bicubic', align_corners=False).clamp(0, 1)
    return imagenet_norm(pred).contiguous(), imagenet_norm(targ).contiguous()

def weights_state():
    import warnings
    from featloss.features import load_features
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return load_features('vgg16_bn', None).state_dict()

# ---------------------------------------------------------------------------------------------------------------
# One configuration (child process)

def _rss_bytes():
    "Current resident set size"
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')

def _hwm_bytes():
    "Peak resident set size of this process image (VmHWM), or None where /proc has no VmHWM"
    with contextlib.suppress(OSError, AttributeError):
        return int(re.search(r'^VmHWM:\s+(\d+) kB', open('/proc/self/status').read(), re.M).group(1)) * 1024
    return None

def _reset_hwm():
    "Reset VmHWM to the current RSS (Linux >= 4.0); harmless where not supported"
    with contextlib.suppress(OSError), open('/proc/self/clear_refs', 'w') as f: f.write('5')

def _trim():
    gc.collect()
    with contextlib.suppress(Exception): ctypes.CDLL('libc.so.6').malloc_trim(0)

def run_one(cfg, size, bs, iters, warmup, device, workdir, serve=False):
    """Set up configuration `cfg`, then run `warmup` + `iters` steps; with `serve`, run one step per `step` line read
    from stdin (the parent decides when, to interleave configurations), until a `done` line."""
    import warnings
    warnings.simplefilter('ignore')   # the random-weights warning
    impl, amp, cl, _ = CONFIGS[cfg]
    dev = torch.device(device)
    if dev.type == 'cuda': torch.backends.cudnn.benchmark = True
    sd = torch.load(Path(workdir)/'weights.pt', weights_only=True)
    pred0, targ0 = torch.load(Path(workdir)/f'inputs_{size}_{bs}.pt', weights_only=True)
    loss_fn = make_reference(sd, dev) if impl == 'ref' else make_featureloss(cl, dev)
    del sd
    fmt = torch.channels_last if cl else torch.contiguous_format
    pred = pred0.to(dev).contiguous(memory_format=fmt).requires_grad_(True)
    targ = targ0.to(dev).contiguous(memory_format=fmt)
    del pred0, targ0
    ctx = (lambda: torch.autocast(dev.type, dtype=DTYPES[amp])) if amp else contextlib.nullcontext
    sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)

    # memory baseline: everything set up, nothing run yet
    _trim()
    if dev.type == 'cuda':
        sync(); torch.cuda.reset_peak_memory_stats(dev); base = torch.cuda.memory_allocated(dev)
    else: _reset_hwm(); base = _rss_bytes()

    def step():
        pred.grad = None
        t0 = time.perf_counter()
        with ctx(): loss = loss_fn(pred, targ)
        loss.backward()
        sync()
        return time.perf_counter() - t0, loss.item()

    times, losses = [], []
    if serve:
        print('READY', flush=True)
        for line in sys.stdin:
            if line.strip() == 'done': break
            t, l = step(); times.append(t); losses.append(l)
            print(f'STEP {t!r} {l!r}', flush=True)
    else:
        for _ in range(warmup + iters):
            t, l = step(); times.append(t); losses.append(l)
    timed = times[warmup:]

    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024    # KiB on Linux
    if dev.type == 'cuda': peak = torch.cuda.max_memory_allocated(dev) - base
    else:
        # ru_maxrss is the spec's measure, but a child started by subprocess (vfork + exec) inherits the parent's
        # peak RSS in it: VmHWM is this process image's own peak (reset to the baseline above), so prefer it.
        hwm = _hwm_bytes()
        peak = (hwm if hwm is not None else maxrss) - base
    torch.save(pred.grad.detach().float().contiguous().cpu(), Path(workdir)/f'grad_{cfg}_{size}.pt')
    return dict(config=cfg, size=size, bs=bs, device=device, iters=len(timed), warmup=warmup, times=timed,
                warmup_times=times[:warmup], median_s=statistics.median(timed), loss=losses[0], loss_last=losses[-1],
                peak_mb=peak / 2**20, baseline_mb=base / 2**20,
                ru_maxrss_minus_baseline_mb=(maxrss - base) / 2**20 if dev.type == 'cpu' else None,
                threads=torch.get_num_threads())

# ---------------------------------------------------------------------------------------------------------------
# Parent: run every configuration in a subprocess, then tabulate

def cpu_model():
    with contextlib.suppress(OSError):
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    return platform.processor() or platform.machine()

def loadavg():
    with contextlib.suppress(OSError): return tuple(float(x) for x in open('/proc/loadavg').read().split()[:3])
    return None

def default_iters(device, size): return 20 if device == 'cuda' else 5

class Worker:
    "One configuration in its own subprocess (this script with `--one CFG --serve`), driven one step at a time"
    def __init__(self, cfg, size, args, workdir):
        self.cfg, self.size = cfg, size
        self.errf = open(Path(workdir)/f'stderr_{cfg}_{size}.txt', 'w+')
        cmd = [sys.executable, str(Path(__file__).resolve()), '--one', cfg, '--size', str(size), '--bs', str(args.bs),
               '--warmup', str(args.warmup), '--iters', '0', '--device', args.device, '--workdir', str(workdir), '--serve']
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errf, text=True, bufsize=1)

    def _expect(self, prefix):
        for line in self.p.stdout:
            if line.startswith(prefix): return line[len(prefix):].strip()
        self.p.wait(); self.errf.seek(0)
        sys.stderr.write(self.errf.read()[-5000:])
        raise SystemExit(f"configuration {self.cfg} at {self.size}px failed (exit status {self.p.returncode})")

    def ready(self): self._expect('READY')

    def step(self):
        self.p.stdin.write('step\n'); self.p.stdin.flush()
        return float(self._expect('STEP ').split()[0])

    def finish(self):
        self.p.stdin.write('done\n'); self.p.stdin.flush()
        r = json.loads(self._expect('RESULT '))
        self.p.wait(); self.errf.close()
        return r

def run_size(configs, size, args, iters, workdir, log):
    """Every configuration at `size`, each in its own subprocess. Interleaved: all subprocesses are set up first, then
    step k of every configuration runs before step k+1 of any (one at a time, order rotated every round), so that
    a change in the machine's background load hits all configurations alike. Sequential: one after the other."""
    rounds, results = args.warmup + iters, []
    groups = [configs] if args.schedule == 'interleaved' else [[c] for c in configs]
    for group in groups:
        t0 = time.perf_counter()
        workers = [Worker(c, size, args, workdir) for c in group]
        try:
            for w in workers: w.ready()
            for r in range(rounds):
                k = r % len(workers)
                for w in workers[k:] + workers[:k]: w.step()
            for w in workers:
                res = w.finish(); res['group_wall_s'] = time.perf_counter() - t0
                results.append(res)
                log(f"  {size}px {res['config']:11s} median {res['median_s']:.3f}s  peak {res['peak_mb']:.0f} MB  loss {res['loss']:.6g}  "
                    f"({iters} iters)")
        finally:
            for w in workers:
                if w.p.poll() is None: w.p.kill()
    return results

def fmt_table(rows):
    head = ['size', 'config', 'median s', 'speedup vs ref fp32', 'peak MB', 'memory vs ref fp32', 'loss rel diff', 'grad rel diff']
    out = ['| ' + ' | '.join(head) + ' |', '|' + '|'.join(['---:', ':---'] + ['---:'] * (len(head) - 2)) + '|']
    for r in rows:
        out.append(f"| {r['size']} | {r['config']} | {r['median_s']:.3f} | {r['speedup']:.2f}x | {r['peak_mb']:.0f} | "
                   f"{r['mem_ratio']:.2f}x | {r['loss_rel_diff']:.2e} | {r['grad_rel_diff']:.2e} |")
    return '\n'.join(out)

def check_targets(rows, device):
    "The spec's targets: >=1.1x the reference in fp32, >=2x under autocast (vs reference fp32), peak memory no higher"
    lines = []
    for size in sorted({r['size'] for r in rows}):
        by = {r['config']: r for r in rows if r['size'] == size}
        fp32 = [by[c] for c in ('fl_fp32', 'fl_fp32_cl') if c in by]
        amp = [by[c] for c in by if c.startswith('fl_') and CONFIGS[c][1]]
        if fp32:
            best = max(fp32, key=lambda r: r['speedup'])
            lines.append(f"- {size}px fp32: best FeatureLoss {best['config']} {best['speedup']:.2f}x (target >= 1.1x): "
                         f"{'MET' if best['speedup'] >= 1.1 else 'NOT MET'}")
        if amp:
            best = max(amp, key=lambda r: r['speedup'])
            lines.append(f"- {size}px autocast: best FeatureLoss {best['config']} {best['speedup']:.2f}x vs ref fp32 (target >= 2x): "
                         f"{'MET' if best['speedup'] >= 2 else 'NOT MET'}")
        for c in ('fl_fp32', 'fl_fp32_cl'):
            if c in by:
                r = by[c]
                lines.append(f"- {size}px memory {c}: {r['peak_mb']:.0f} MB vs ref fp32 {by[REF_CFG]['peak_mb']:.0f} MB (target: no higher): "
                             f"{'MET' if r['peak_mb'] <= by[REF_CFG]['peak_mb'] else 'NOT MET'}")
        for r in amp:
            if CONFIGS[r['config']][1] == 'bf16':
                lines.append(f"- {size}px {r['config']} loss within 1% of ref fp32: {'yes' if r['loss_rel_diff'] <= 0.01 else 'NO'} "
                             f"({100*r['loss_rel_diff']:.3f}%)")
    return lines

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    ap.add_argument('--sizes', type=int, nargs='+', default=[128, 256])
    ap.add_argument('--bs', type=int, default=8)
    ap.add_argument('--iters', type=int, default=None, help='timed iterations (default: 5 on CPU, 20 on CUDA)')
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--schedule', default='interleaved', choices=['interleaved', 'sequential'],
                    help='interleaved (default): one subprocess per configuration, all alive, their steps taken in turn; '
                         'sequential: one subprocess at a time')
    ap.add_argument('--configs', nargs='+', default=None, help=f'subset of {list(CONFIGS)}')
    ap.add_argument('--out', default=str(ROOT/'bench_out'))
    ap.add_argument('--one', default=None, help=argparse.SUPPRESS)    # internal: run one configuration
    ap.add_argument('--size', type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument('--workdir', default=None, help=argparse.SUPPRESS)
    ap.add_argument('--serve', action='store_true', help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.one:
        r = run_one(args.one, args.size, args.bs, args.iters or 0, args.warmup, args.device, args.workdir, serve=args.serve)
        print('RESULT ' + json.dumps(r), flush=True)
        return

    if args.device == 'cuda' and not torch.cuda.is_available(): raise SystemExit("--device cuda: CUDA is not available")
    configs = args.configs or (CUDA_CONFIGS if args.device == 'cuda' else CPU_CONFIGS)
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown: raise SystemExit(f"unknown configurations {unknown}: choose from {list(CONFIGS)}")
    if args.device == 'cpu' and any(CONFIGS[c][1] == 'fp16' for c in configs): raise SystemExit("fp16 configurations are CUDA only")
    if REF_CFG not in configs: configs = [REF_CFG] + configs
    if args.device == 'cuda': torch.backends.cudnn.benchmark = True

    t_start = time.perf_counter()
    env = dict(torch=torch.__version__, threads=torch.get_num_threads(), cpu=cpu_model(), device=args.device,
               gpu=torch.cuda.get_device_name() if args.device == 'cuda' else None, python=platform.python_version(),
               bs=args.bs, warmup=args.warmup, schedule=args.schedule, loadavg_start=loadavg())
    header = [f"torch {env['torch']}, threads {env['threads']} (torch.get_num_threads()), CPU: {env['cpu']}",
              f"device: {args.device}" + (f" ({env['gpu']})" if env['gpu'] else ''),
              f"batch {args.bs}, warm-up {args.warmup}, median of N timed fwd+bwd (w.r.t. pred), each configuration "
              f"in its own fresh subprocess, {args.schedule}; load average at start: {env['loadavg_start']}"]
    print('\n'.join(header), flush=True)

    rows = []
    with tempfile.TemporaryDirectory(prefix='featloss-bench-') as workdir:
        torch.save(weights_state(), Path(workdir)/'weights.pt')
        for size in args.sizes:
            torch.save(make_inputs(size, args.bs), Path(workdir)/f'inputs_{size}_{args.bs}.pt')
            iters = args.iters or default_iters(args.device, size)
            t0 = time.perf_counter()
            rows += run_size(configs, size, args, iters, workdir, log=lambda m: print(m, flush=True))
            print(f"  {size}px: {time.perf_counter() - t0:.0f}s, load average now {loadavg()}", flush=True)
            ref = next(r for r in rows if r['size'] == size and r['config'] == REF_CFG)
            g_ref = torch.load(Path(workdir)/f'grad_{REF_CFG}_{size}.pt')
            for r in rows:
                if r['size'] != size: continue
                g = torch.load(Path(workdir)/f"grad_{r['config']}_{size}.pt")
                r['speedup'] = ref['median_s'] / r['median_s']
                r['mem_ratio'] = r['peak_mb'] / ref['peak_mb'] if ref['peak_mb'] > 0 else float('nan')
                r['loss_rel_diff'] = abs(r['loss'] - ref['loss']) / abs(ref['loss'])
                r['grad_rel_diff'] = ((g - g_ref).norm() / g_ref.norm()).item()
                r['description'] = CONFIGS[r['config']][3]

    env['loadavg_end'], env['total_s'] = loadavg(), time.perf_counter() - t_start
    order = {c: i for i, c in enumerate(configs)}
    rows.sort(key=lambda r: (r['size'], order[r['config']]))
    table, targets = fmt_table(rows), check_targets(rows, args.device)
    mem_note = ('peak MB: torch.cuda.max_memory_allocated() minus memory allocated after setup' if args.device == 'cuda' else
                'peak MB: peak RSS (VmHWM) minus the RSS right after building the loss and the inputs, per subprocess')
    legend = '\n'.join(f"- `{c}`: {CONFIGS[c][3]}" for c in configs)
    footer = [f"load average at end: {env['loadavg_end']}; total {env['total_s']:.0f}s",
              f"{mem_note}; loss/grad rel diff: vs ref fp32 (|loss - ref| / |ref|, ||grad - ref|| / ||ref||)"]
    md = '\n'.join(['# FeatureLoss vs lesson 7 (as published)', '', *[f"{h}  " for h in header], '', table, '',
                    'Targets:', *targets, '', 'Configurations:', legend, '', *[f"{f}  " for f in footer], ''])
    print('\n' + table + '\n\nTargets:\n' + '\n'.join(targets) + '\n\n' + '\n'.join(footer))
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    (out/'featureloss.md').write_text(md)
    (out/'featureloss.json').write_text(json.dumps(dict(env=env, results=rows, targets=targets), indent=1))
    print(f"wrote {out/'featureloss.md'} and {out/'featureloss.json'}")

if __name__ == '__main__': main()
