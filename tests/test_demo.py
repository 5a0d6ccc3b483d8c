"The main job (`make demo` = `python -m featloss.demo`) as a command, in a fresh process (a short fine-tuning: --epochs 1 --size 48)."
import os, re, subprocess, sys
from pathlib import Path
import pytest

pytestmark = pytest.mark.wheel   # see pytest.ini

def test_demo_command_writes_figures_tables_and_model(tmp_path):
    r = subprocess.run([sys.executable, '-m', 'featloss.demo', '--epochs', '1', '--size', '48'], cwd=tmp_path, capture_output=True,
                       text=True, timeout=900, env={**os.environ, 'MPLBACKEND': 'Agg'})
    assert r.returncode == 0, r.stderr[-2000:]
    out = tmp_path/'demo_out'
    for png in ('feature_loss_demo.png', 'superres_demo.png'):
        data = (out/png).read_bytes()
        assert len(data) > 10_000 and data[:8] == b'\x89PNG\r\n\x1a\n'
    table = (out/'feature_loss_demo.md').read_text()
    for name in ('shift 2px', 'blur σ=2', 'bicubic ×4'): assert name in table
    assert '| degradation | pixel L1 |' in r.stdout
    # the comparison ends with PSNR-Y per method, and the bundled feature-loss model looks closer than bicubic (LPIPS)
    m = re.search(r'PSNR-Y: bicubic (\d+\.\d+) dB, sr4-pixel (\d+\.\d+) dB, sr4-feature (\d+\.\d+) dB', r.stdout)
    assert m and 15 < float(m[1]) < 50, r.stdout[-1000:]
    assert float(m[2]) > float(m[1]), r.stdout[-1000:]   # the pixel-loss model beats bicubic on PSNR
    lp = re.search(r'LPIPS-\w+: sr4-feature (\d\.\d+), sr4-pixel (\d\.\d+), bicubic (\d\.\d+)', r.stdout)
    if lp: assert float(lp[1]) < float(lp[3]), r.stdout[-1000:]  # (no LPIPS line where no LPIPS weights can be had)
    assert (out/'superres_demo.md').read_text().count('sr4-') == 2
    # the fine-tuned model it leaves loads and runs
    from featloss.learner import load_enhancer
    from PIL import Image
    enh = load_enhancer(out/'model.pth')
    assert enh.task == 'superres' and enh.scale == 4
    assert enh(Image.new('RGB', (21, 13), (120, 80, 40))).size == (84, 52)
