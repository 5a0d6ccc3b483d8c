"`featloss train` on 2 processes (torchrun, gloo backend on the CPU): both end with the same weights, and the loss goes down."
import csv, os, re, subprocess, sys
from pathlib import Path
import pytest

pytestmark = pytest.mark.wheel   # see pytest.ini

def test_two_process_training(tmp_path):
    from featloss.data import embedded_photos
    photos = tmp_path/'photos'; photos.mkdir()
    for name in ('astronaut', 'coffee', 'chelsea', 'rocket'): embedded_photos()[name].save(photos/f'{name}.jpg', quality=95)
    out = tmp_path/'out'
    featloss = Path(sys.executable).parent/'featloss'   # the console script, as a user launches it
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '--no-python', str(featloss),
           'train', 'superres', '--data', str(photos), '--out', str(out), '--size', '32', '--epochs', '2', '--bs', '4',
           '--loss', 'mse', '--arch', 'resnet18', '--lr', '3e-3']
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env={**os.environ, 'MPLBACKEND': 'Agg'})
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-4000:])
    log = (out/'train_log.txt').read_text()
    assert 'shared by 2 processes' in log
    digests = re.findall(r'weights sha256, process (\d): ([0-9a-f]{64})', log)
    assert [d[0] for d in digests] == ['0', '1'], log   # each process hashed its own weights...
    assert digests[0][1] == digests[1][1], log          # ...and they are bit-identical
    rows = list(csv.DictReader((out/'history.csv').open()))
    assert [row['epoch'] for row in rows] == ['untrained', '0', '1']
    assert float(rows[-1]['valid_loss']) < float(rows[0]['valid_loss']), rows   # training helped
    assert float(rows[-1]['train_loss']) < float(rows[1]['train_loss']), rows
    assert r.stdout.count('featloss train superres:') == 1   # one process reports
    from featloss.learner import load_enhancer
    assert load_enhancer(out/'model.pth').scale == 4
