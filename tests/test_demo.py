"The main job (`make demo` = `python -m featloss.demo`) as a command, in a fresh process."
import os, subprocess, sys
from pathlib import Path

def test_demo_command_writes_figure_and_table(tmp_path):
    r = subprocess.run([sys.executable, '-m', 'featloss.demo'], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                       env={**os.environ, 'MPLBACKEND': 'Agg'})
    assert r.returncode == 0, r.stderr[-2000:]
    png, md = tmp_path/'demo_out'/'feature_loss_demo.png', tmp_path/'demo_out'/'feature_loss_demo.md'
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    table = md.read_text()
    for name in ('shift 2px', 'blur σ=2', 'bicubic ×4'): assert name in table
    assert '| degradation | pixel L1 |' in r.stdout
