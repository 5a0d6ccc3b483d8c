"The `featloss` console script, run as a user runs it: in fresh processes, on real photos, with real (short) training."
import csv, os, signal, subprocess, sys, time
from pathlib import Path
import pytest
from PIL import Image

FEATLOSS = Path(sys.executable).parent/'featloss'   # the console script of the environment under test
ENV = {**os.environ, 'MPLBACKEND': 'Agg'}
pytestmark = pytest.mark.wheel   # see pytest.ini
TINY = ['--size', '32', '--epochs', '1', '--bs', '4', '--arch', 'resnet18']

def featloss(*args, timeout=600, **kw):
    return subprocess.run([str(FEATLOSS), *map(str, args)], capture_output=True, text=True, timeout=timeout, env=ENV, **kw)

def one_line_error(r, status=1):
    "A mistake: the given non-zero status, one line on stderr, no traceback"
    assert r.returncode == status, (r.returncode, r.stderr[-2000:])
    assert len(r.stderr.strip().splitlines()) == 1 and 'Traceback' not in r.stderr, r.stderr
    return r.stderr.strip()

@pytest.fixture(scope='module')
def photos(tmp_path_factory):
    from featloss.data import embedded_photos
    d = tmp_path_factory.mktemp('photos')
    for name in ('astronaut', 'coffee', 'chelsea', 'rocket'): embedded_photos()[name].save(d/f'{name}.jpg', quality=95)
    return d

@pytest.fixture(scope='module')
def sr_run(photos, tmp_path_factory):
    out = tmp_path_factory.mktemp('sr')/'run'
    r = featloss('train', 'superres', '--data', photos, '--out', out, '--loss', 'mse', *TINY)
    assert r.returncode == 0, r.stderr[-3000:]
    return out, r

def test_console_script_and_help():
    assert FEATLOSS.is_file(), f"no console script {FEATLOSS}: is featloss installed in this environment?"
    r = featloss('--help'); assert r.returncode == 0
    for c in ('train', 'enhance', 'eval'): assert c in r.stdout
    for c in ('train', 'enhance', 'eval'):
        r = featloss(c, '--help'); assert r.returncode == 0 and r.stdout.startswith(f'usage: featloss {c}')
    t = featloss('train', '--help').stdout
    for opt in ('--data', '--out', '--scale', '--size', '--epochs', '--bs', '--loss', '--backbone', '--weights', '--lr', 'torchrun'): assert opt in t
    for c in ('enhance', 'eval'): assert 'pickle' in featloss(c, '--help').stdout   # loading a model runs code: the help says so

def test_bad_command_lines_are_one_line_errors(tmp_path):
    for args in [(), ('train',), ('train', 'sharpen', '--data', tmp_path, '--out', tmp_path/'o'),
                 ('train', 'superres', '--data', tmp_path, '--out', tmp_path/'o', '--bs', '0'),
                 ('train', 'superres', '--data', tmp_path, '--out', tmp_path/'o', '--lr', 'fast'),
                 ('enhance', 'model.pth'), ('eval', 'model.pth', tmp_path, '--scale', '-2')]:
        msg = one_line_error(featloss(*args), status=2)
        assert 'error' in msg and '--help' in msg
    assert not (tmp_path/'o').exists()

def test_train_writes_model_history_plot_and_log(sr_run):
    out, r = sr_run
    assert sorted(p.name for p in out.iterdir()) == ['history.csv', 'losses.png', 'model.pth', 'train_log.txt']  # no staging left
    rows = list(csv.DictReader((out/'history.csv').open()))
    assert [row['epoch'] for row in rows] == ['untrained', '0'] and float(rows[-1]['valid_loss']) > 0
    assert (out/'losses.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and Image.open(out/'losses.png').size[0] > 500
    log = (out/'train_log.txt').read_text()
    assert 'featloss train superres' in log and 'processes: 1, identical weights: True' in log
    assert 'valid_loss:' in r.stdout and 'epoch' in r.stdout   # fastai's table, in the terminal
    from featloss.learner import load_enhancer
    enh = load_enhancer(out/'model.pth')
    assert (enh.task, enh.scale) == ('superres', 4)

def test_train_refuses_to_overwrite_without_force(sr_run, photos):
    out, _ = sr_run
    before = (out/'model.pth').stat().st_mtime_ns
    msg = one_line_error(featloss('train', 'superres', '--data', photos, '--out', out, '--loss', 'mse', *TINY))
    assert '--force' in msg and (out/'model.pth').stat().st_mtime_ns == before

def test_train_colorize_with_feature_loss_shows_components(photos, tmp_path):
    out = tmp_path/'col'
    r = featloss('train', 'colorize', '--data', photos, '--out', out, '--backbone', 'squeezenet1_1', '--weights', 'none', *TINY)
    assert r.returncode == 0, r.stderr[-3000:]
    head = next(csv.reader((out/'history.csv').open()))
    assert {'valid_loss', 'pixel', 'feat_0', 'feat_1', 'feat_2', 'psnr'} <= set(head)   # every loss component, per epoch
    from featloss.learner import load_enhancer
    assert load_enhancer(out/'model.pth').task == 'colorize'
    # and its outputs are named for what was done
    Image.new('L', (50, 30), 90).save(tmp_path/'old.png')
    r = featloss('enhance', out/'model.pth', tmp_path/'old.png', tmp_path/'coloured')
    assert r.returncode == 0, r.stderr
    res = Image.open(tmp_path/'coloured'/'old_colorized.png')
    assert res.size == (50, 30) and res.mode == 'RGB'

def test_enhance_files_and_folders_any_size(sr_run, tmp_path):
    out, _ = sr_run
    lr = tmp_path/'lr'; (lr/'sub').mkdir(parents=True)
    from featloss.data import embedded_photos
    embedded_photos()['chelsea'].resize((113, 75)).save(lr/'cat_LR.png')
    Image.new('RGB', (37, 23), 'teal').save(lr/'sub'/'odd.jpg')
    r = featloss('enhance', out/'model.pth', lr, tmp_path/'sr')
    assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path/'sr'/'cat_SR.png').size == (452, 300)
    assert Image.open(tmp_path/'sr'/'sub'/'odd_x4.png').size == (148, 92)
    r = featloss('enhance', out/'model.pth', lr/'cat_LR.png', tmp_path/'big.jpg')
    assert r.returncode == 0 and Image.open(tmp_path/'big.jpg').format == 'JPEG'

def test_enhance_and_eval_errors_are_one_line(sr_run, tmp_path, photos):
    out, _ = sr_run
    model = out/'model.pth'
    (tmp_path/'broken.png').write_bytes(b'\x89PNG\r\n\x1a\n' + b'\0' * 40)
    (tmp_path/'notes.pkl').write_text('not a model')
    import torch; torch.save({'weights': torch.zeros(3)}, tmp_path/'dict.pkl')
    Image.new('RGB', (20, 20)).save(tmp_path/'ok.png')
    cases = {('enhance', tmp_path/'nope.pkl', tmp_path/'ok.png', tmp_path/'o1.png'): 'no such model file',
             ('enhance', tmp_path/'notes.pkl', tmp_path/'ok.png', tmp_path/'o2.png'): 'not a featloss model',
             ('enhance', tmp_path/'dict.pkl', tmp_path/'ok.png', tmp_path/'o3.png'): 'not a featloss model',
             ('enhance', model, tmp_path/'missing.png', tmp_path/'o4.png'): 'no such file',
             ('enhance', model, tmp_path/'broken.png', tmp_path/'o5.png'): 'could not be read',
             ('enhance', model, tmp_path/'ok.png', tmp_path/'ok.png'): 'overwrite an input',
             ('eval', model, tmp_path/'nowhere'): 'No folder',
             ('eval', tmp_path/'notes.pkl', tmp_path): 'not a featloss model',
             ('train', 'superres', '--data', tmp_path/'nowhere', '--out', tmp_path/'o6'): 'no such folder',
             ('train', 'superres', '--data', photos, '--out', tmp_path/'o7', '--weights', tmp_path/'none.pth'): 'no such file',
             ('train', 'superres', '--data', photos, '--out', tmp_path/'o8', '--loss', 'mse', '--backbone', 'vgg16'): 'no loss network',
             ('train', 'superres', '--data', photos, '--out', tmp_path/'o9', '--size', '30'): 'multiple of --scale'}
    for args, expected in cases.items():
        assert expected in one_line_error(featloss(*args)), args
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith('o') and p.name != 'ok.png']   # nothing written
    assert Image.open(tmp_path/'ok.png').size == (20, 20)

def test_eval_table_against_bicubic(sr_run, tmp_path):
    out, _ = sr_run
    from featloss.core import find_shared
    shared = find_shared()
    set5 = shared/'data'/'sr'/'Set5' if shared is not None else None
    if set5 is None or not set5.is_dir():   # pairs made here: HR photo, LR by PIL bicubic
        from featloss.data import embedded_photos
        set5 = tmp_path/'pairs'; set5.mkdir()
        hr = embedded_photos()['coffee'].crop((0, 0, 200, 200)); hr.save(set5/'c_HR.png'); hr.resize((50, 50), Image.BICUBIC).save(set5/'c_LR.png')
    r = featloss('eval', out/'model.pth', set5, '--csv', tmp_path/'t.csv', '--save', tmp_path/'sr')
    assert r.returncode == 0, r.stderr
    assert 'bicubic PSNR-Y' in r.stdout and 'model PSNR-Y' in r.stdout and 'HaarPSI' in r.stdout
    rows = {row['image']: row for row in csv.DictReader((tmp_path/'t.csv').open())}
    assert set(rows['mean']) >= {'bicubic_psnr_y', 'bicubic_ssim_y', 'bicubic_haarpsi', 'model_psnr_y', 'model_ssim_y', 'model_haarpsi'}
    if shared is not None and set5 == shared/'data'/'sr'/'Set5':
        assert abs(float(rows['mean']['bicubic_psnr_y']) - 28.42) < 0.01   # the published bicubic Set5 x4 figure
    assert len(list((tmp_path/'sr').glob('*_SR.png'))) == len(rows) - 1
    # LPIPS: its variant named in the header, in a line under the table and in the CSV's columns; with the shared
    # SqueezeNet weights there is always one (LPIPS-alex if torchvision's AlexNet weights are there, else LPIPS-squeeze)
    lp = [c for c in rows['mean'] if 'lpips' in c]
    if shared is not None and (shared/'weights'/'squeezenet1_1-features-imagenet.pth').is_file(): assert lp, r.stdout
    if lp:
        net = lp[0].rsplit('_lpips_', 1)[1]
        assert lp == [f'bicubic_lpips_{net}', f'model_lpips_{net}'] and net in ('alex', 'squeeze')
        head = next(l for l in r.stdout.splitlines() if l.startswith('image '))
        assert f"LPIPS-{'sq' if net == 'squeeze' else net}" in head
        assert f"LPIPS-{net} (lower is better), network weights:" in r.stdout
    else: assert 'LPIPS: left out' in r.stdout

def test_interrupted_training_leaves_no_outputs(photos, tmp_path):
    out = tmp_path/'run'
    p = subprocess.Popen([str(FEATLOSS), 'train', 'superres', '--data', str(photos), '--out', str(out), '--loss', 'mse',
                          '--size', '32', '--epochs', '50', '--bs', '4', '--arch', 'resnet18'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        for line in p.stdout:   # the header line is printed just before the first step
            if line.startswith('featloss train superres'): break
        time.sleep(3)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=120)
    finally: p.kill()
    assert p.returncode == 130, err[-2000:]
    assert 'interrupted' in err and 'Traceback' not in err
    assert not out.exists() or not any(out.iterdir())

def test_offline_imagenet_weights_is_a_one_line_error_in_cli_terms(photos, tmp_path, monkeypatch, capsys):
    "--weights imagenet with no cached file and no network: the error names the file and the command's options"
    import featloss.features as ff
    from urllib.error import URLError
    def offline(url, dst): raise URLError('offline (test)')
    monkeypatch.setattr(ff, '_download', offline)
    monkeypatch.setenv('TORCH_HOME', str(tmp_path/'torch'))
    from featloss.cli import main
    rc = main(['train', 'superres', '--data', str(photos), '--out', str(tmp_path/'o'), '--backbone', 'squeezenet1_1',
               '--weights', 'imagenet', '--size', '32', '--arch', 'resnet18'])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and len(err.splitlines()) == 1, err
    assert err.startswith('featloss train: error: --weights imagenet:') and 'leave --weights out' in err
    assert str(tmp_path/'torch') in err and 'squeezenet1_1' in err
    assert not (tmp_path/'o').exists()


# --- failing safe: the checks of the "fail safe" issue, each on a real command line ---

def test_non_finite_lr_refused_and_divergence_writes_nothing(photos, tmp_path):
    msg = one_line_error(featloss('train', 'superres', '--data', photos, '--out', tmp_path/'inf', '--lr', 'inf', *TINY), status=2)
    assert 'finite' in msg and not (tmp_path/'inf').exists()
    r = featloss('train', 'superres', '--data', photos, '--out', tmp_path/'nan', '--lr', '1e30', '--loss', 'mse', *TINY)
    errors = [l for l in r.stderr.splitlines() if l.startswith('featloss train: error:')]   # warnings may come first
    assert r.returncode == 1 and len(errors) == 1 and 'Traceback' not in r.stderr, r.stderr[-2000:]
    assert 'diverged' in errors[0] and 'Exception occured' not in errors[0]
    assert not (tmp_path/'nan').exists()          # no model, no folder

class _Planted:
    "A pickle that creates `marker` when it is loaded: what a malicious file could do with any code"
    def __init__(self, marker): self.marker = str(marker)
    def __reduce__(self):
        import builtins
        return (builtins.open, (self.marker, 'w'))

def test_pickle_planted_in_torch_cache_does_not_run_during_train(photos, tmp_path):
    import torch
    home, marker = tmp_path/'torch', tmp_path/'code_ran'
    f = home/'hub'/'checkpoints'/'resnet18-f37072fd.pth'    # torchvision's name for resnet18's ImageNet weights
    f.parent.mkdir(parents=True); torch.save(_Planted(marker), f)
    r = subprocess.run([str(FEATLOSS), 'train', 'superres', '--data', str(photos), '--out', str(tmp_path/'o'), '--loss', 'mse', *TINY],
                       capture_output=True, text=True, timeout=600, env={**ENV, 'TORCH_HOME': str(home)})
    assert 'checksum' in one_line_error(r) and str(f) in r.stderr
    assert not marker.exists() and not (tmp_path/'o').exists()
    torch.load(f, weights_only=False); assert marker.exists()    # the file does run code when unpickled

def test_malicious_model_runs_only_with_trust_pickle(sr_run, tmp_path):
    import torch
    out, _ = sr_run
    marker = tmp_path/'code_ran'; torch.save(_Planted(marker), tmp_path/'evil.pth')
    Image.new('RGB', (20, 20)).save(tmp_path/'ok.png')
    assert '--trust-pickle' in one_line_error(featloss('enhance', tmp_path/'evil.pth', tmp_path/'ok.png', tmp_path/'o.png'))
    assert '--trust-pickle' in one_line_error(featloss('eval', tmp_path/'evil.pth', tmp_path))
    assert not marker.exists()
    r = featloss('enhance', tmp_path/'evil.pth', tmp_path/'ok.png', tmp_path/'o.png', '--trust-pickle')
    assert r.returncode == 1 and marker.exists() and 'runs any code' in r.stderr   # the opt-in does what it says
    assert not (tmp_path/'o.png').exists()

def test_model_with_nan_weights_refused(sr_run, tmp_path):
    import torch
    out, _ = sr_run
    m = torch.load(out/'model.pth', weights_only=True)
    k = next(iter(m['state_dict'])); m['state_dict'][k] = m['state_dict'][k] * float('nan')
    torch.save(m, tmp_path/'nan.pth'); Image.new('RGB', (20, 20)).save(tmp_path/'ok.png')
    assert 'non-finite' in one_line_error(featloss('enhance', tmp_path/'nan.pth', tmp_path/'ok.png', tmp_path/'o.png'))
    assert not (tmp_path/'o.png').exists()

def test_two_runs_into_one_out_at_most_one_succeeds(photos, tmp_path):
    out = tmp_path/'shared_out'
    cmd = [str(FEATLOSS), 'train', 'superres', '--data', str(photos), '--out', str(out), '--loss', 'mse', *TINY]
    ps = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV) for _ in range(2)]
    try: results = [(p.wait(timeout=600), p.stderr.read()) for p in ps]
    finally:
        for p in ps: p.kill()
    assert sum(rc == 0 for rc, _ in results) <= 1, results
    for rc, err in results:
        if rc: assert 'another featloss train' in err or '--force' in err, err[-2000:]
    assert sorted(p.name for p in out.iterdir()) == ['history.csv', 'losses.png', 'model.pth', 'train_log.txt']


# --- mixed precision ---

def test_train_in_bf16_and_refuse_fp16_on_cpu(photos, tmp_path):
    "bf16 autocast on the CPU trains through fastai's callback API (on the fastai under test); fp16 needs a GPU"
    r = featloss('train', 'superres', '--data', photos, '--out', tmp_path/'bf', '--loss', 'mse', '--precision', 'bf16', *TINY)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.splitlines()[0].endswith(', bf16') and (tmp_path/'bf'/'model.pth').is_file()
    Image.open(photos/'coffee.jpg').resize((64, 48)).save(tmp_path/'small.png')
    r = featloss('enhance', tmp_path/'bf'/'model.pth', tmp_path/'small.png', tmp_path/'c.png', '--precision', 'bf16', '--tile', 128)
    assert r.returncode == 0 and '(bf16)' in r.stdout, r.stderr[-2000:]
    import torch
    if not torch.cuda.is_available():
        msg = one_line_error(featloss('train', 'superres', '--data', photos, '--out', tmp_path/'f16', '--precision', 'fp16', *TINY))
        assert 'needs a GPU' in msg and not (tmp_path/'f16').exists()

def test_bundled_models_listed_and_used_by_name(tmp_path):
    "The models inside the installed package: `featloss models` lists them; enhance and eval take their names"
    r = featloss('models'); assert r.returncode == 0, r.stderr[-2000:]
    for name in ('sr4-pixel', 'sr4-feature'): assert name in r.stdout, r.stdout
    assert 'trained with: featloss train superres' in r.stdout
    Image.new('RGB', (37, 23), (90, 140, 200)).save(tmp_path/'small.png')
    r = featloss('enhance', 'sr4-feature', tmp_path/'small.png', tmp_path/'big.png', cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert Image.open(tmp_path/'big.png').size == (148, 92)
    assert 'bundled models: sr4-feature' in one_line_error(featloss('enhance', 'sr4-nothing', tmp_path/'small.png', tmp_path/'x.png'))
    d = tmp_path/'pairs'; d.mkdir()
    hr = Image.effect_mandelbrot((96, 64), (-2, -1, 1, 1), 60).convert('RGB')
    hr.save(d/'m_HR.png'); hr.resize((24, 16), Image.BICUBIC).save(d/'m_LR.png')
    r = featloss('eval', 'sr4-pixel', d, '--csv', tmp_path/'e.csv')
    assert r.returncode == 0, r.stderr[-2000:]
    cols = next(csv.reader(open(tmp_path/'e.csv')))
    assert 'model_grid' in cols and 'grid' in r.stdout
    from featloss.core import find_shared
    if find_shared() is not None: assert any('lpips' in c for c in cols), cols   # LPIPS-squeeze's offline weights


# Inpainting: one tiny model (the default full loss, 32 px, one epoch) shared by the tests below

@pytest.fixture(scope='module')
def inpaint_run(photos, tmp_path_factory):
    out = tmp_path_factory.mktemp('inp')/'run'
    r = featloss('train', 'inpaint', '--data', photos, '--out', out, '--hole-ratio', '0.1-0.4', *TINY)
    assert r.returncode == 0, r.stderr[-3000:]
    return out, r

@pytest.fixture(scope='module')
def small_masked(tmp_path_factory):
    "Two small photos, and a folder of their masks (white = known)"
    import numpy as np
    from featloss.data import embedded_photos
    from featloss.inpaint import irregular_mask
    d = tmp_path_factory.mktemp('small'); (d/'photos').mkdir(); (d/'masks').mkdir()
    for i, name in enumerate(('coffee', 'chelsea')):
        embedded_photos()[name].resize((96, 64)).save(d/'photos'/f'{name}.jpg', quality=95)
        Image.fromarray((irregular_mask((64, 96), 0.25, seed=i)[0].numpy() * 255).astype(np.uint8)).save(d/'masks'/f'{name}.png')
    return d/'photos', d/'masks'

def test_train_inpaint_writes_model_history_plot_and_log(inpaint_run):
    out, r = inpaint_run
    assert sorted(p.name for p in out.iterdir()) == ['history.csv', 'losses.png', 'model.pth', 'train_log.txt']
    head = next(csv.reader((out/'history.csv').open()))
    assert {'valid_loss', 'valid', 'hole', 'perceptual', 'style_out', 'style_comp', 'tv', 'psnr_hole'} <= set(head)
    assert 'featloss train inpaint' in r.stdout and 'full loss on vgg16' in r.stdout and 'holes covering 0.1 to 0.4' in r.stdout
    assert 'featloss train inpaint' in (out/'train_log.txt').read_text()
    from featloss.inpaint import load_inpainter
    assert load_inpainter(out/'model.pth').prefill      # a safe file: tensors and a JSON description

def test_enhance_inpaint_with_mask_file_and_folder(inpaint_run, small_masked, tmp_path):
    import numpy as np
    out, _ = inpaint_run
    photos, masks = small_masked
    r = featloss('enhance', out/'model.pth', photos/'coffee.jpg', tmp_path/'c.png', '--mask', masks/'coffee.png')
    assert r.returncode == 0, r.stderr
    res, orig = np.asarray(Image.open(tmp_path/'c.png').convert('RGB')), np.asarray(Image.open(photos/'coffee.jpg').convert('RGB'))
    known = np.asarray(Image.open(masks/'coffee.png').convert('L')) > 127
    assert res.shape == orig.shape and (res[known] == orig[known]).all()
    r = featloss('enhance', out/'model.pth', photos, tmp_path/'filled', '--mask', masks)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path/'filled').iterdir()) == ['chelsea_filled.png', 'coffee_filled.png']

def test_eval_inpaint_table_and_csv(inpaint_run, small_masked, tmp_path):
    out, _ = inpaint_run
    photos, masks = small_masked
    r = featloss('eval', out/'model.pth', photos, '--size', '64', '--csv', tmp_path/'i.csv')
    assert r.returncode == 0, r.stderr
    rows = {row['fill']: row for row in csv.DictReader((tmp_path/'i.csv').open())}
    assert {'model', 'mean fill', 'smooth fill', 'biharmonic'} <= set(rows) and 'PSNR in holes (dB)' in rows['model']
    assert float(rows['model']['PSNR in holes (dB)']) > float(rows['mean fill']['PSNR in holes (dB)'])
    lp = [c for c in rows['model'] if c.startswith('LPIPS-')]
    if lp: assert f"{lp[0].replace('-sq', '-squeeze')} (lower is better)" in r.stdout
    r = featloss('eval', out/'model.pth', photos, '--size', '64', '--masks', masks, '--lpips', 'none')
    assert r.returncode == 0 and 'the masks of' in r.stdout, r.stderr

def test_inpaint_errors_are_one_line(inpaint_run, sr_run, small_masked, photos, tmp_path):
    model, sr = inpaint_run[0]/'model.pth', sr_run[0]/'model.pth'
    ph, masks = small_masked
    Image.new('L', (50, 50), 255).save(tmp_path/'m50.png')
    (tmp_path/'few').mkdir(); Image.open(masks/'coffee.png').save(tmp_path/'few'/'coffee.png')
    cases = {('enhance', model, ph, tmp_path/'o1'): 'give the holes with --mask',
             ('enhance', sr, ph, tmp_path/'o2', '--mask', masks): 'super-resolution model',
             ('enhance', model, ph/'coffee.jpg', tmp_path/'o3.png', '--mask', tmp_path/'m50.png'): 'not resized',
             ('enhance', model, ph, tmp_path/'o4', '--mask', tmp_path/'few'): 'no mask for 1 image',
             ('eval', model, ph, '--masks', masks, '--hole-ratio', '0.3'): 'give one of them',
             ('eval', sr, ph, '--masks', masks): 'for inpainting models',
             ('train', 'inpaint', '--data', photos, '--out', tmp_path/'o5', '--loss', 'feature'): 'inpaint losses'}
    for args, expected in cases.items():
        assert expected in one_line_error(featloss(*args)), args
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith('o')]
