"README.md is generated from nbs/index.ipynb by tools/make_readme.py (stdlib only, no nbdev needed)"
import importlib.util, json, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT/'tools'/'make_readme.py'

def _load():
    spec = importlib.util.spec_from_file_location('make_readme', SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

def _code(src, outputs=()): return {'cell_type': 'code', 'metadata': {}, 'source': src, 'outputs': list(outputs), 'execution_count': None}
def _md(src): return {'cell_type': 'markdown', 'metadata': {}, 'source': src}

def test_readme_is_up_to_date():
    if not (ROOT/'nbs'/'index.ipynb').is_file(): pytest.skip('no nbs/index.ipynb yet')
    r = subprocess.run([sys.executable, str(SCRIPT), '--check'], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f'README.md is stale, run `make readme`:\n{r.stdout}{r.stderr}'

def test_converter():
    m = _load()
    nb = {'cells': [
        _md('# featloss\n\n> Perceptual losses'),
        _code('#| default_exp core'),
        _code(['#| hide\n', 'secret = 1']),
        _code('#|export\ndef f(): pass'),
        _code('# |hide\nhidden_too = 2'),
        _code(['#| echo: false\n', 'print("shown")'], [{'output_type': 'stream', 'name': 'stdout', 'text': ['only output\n']}]),
        _code(['#| eval: false\n', '%matplotlib inline\n', 'x = 1 + 1\n', 'x'],
              [{'output_type': 'execute_result', 'execution_count': 1, 'metadata': {}, 'data': {'text/plain': ['2']}},
               {'output_type': 'display_data', 'metadata': {}, 'data': {'image/png': 'iVBOR', 'text/plain': ['<Figure>']}},
               {'output_type': 'display_data', 'metadata': {}, 'data': {'text/markdown': ['**bold**'], 'text/plain': ['<md>']}}]),
        _code('#| exports\ndef g(): pass'),
        _code('#| include: false\nnot_here = 3'),
    ]}
    out = m.render_nb(nb)
    assert out.startswith(m.WARNING + '\n\n# featloss\n\n> Perceptual losses\n')
    for gone in ('secret', 'hidden_too', 'def f', 'default_exp', '#|', '# |', '%matplotlib', 'print(', 'Figure', '<md>', 'not_here', 'eval'):
        assert gone not in out, gone
    assert '    only output\n' in out
    assert '```python\nx = 1 + 1\nx\n```\n\n    2\n\n**bold**\n' in out
    assert '```python\ndef g(): pass\n```' in out
    assert out.endswith('\n') and not out.endswith('\n\n')

def test_check_mode(tmp_path):
    m = _load()
    nb = tmp_path/'index.ipynb'
    nb.write_text(json.dumps({'cells': [_md('# t'), _code('1', [{'output_type': 'stream', 'name': 'stdout', 'text': 'a\n'}])]}))
    out = tmp_path/'README.md'
    assert m.main(['--nb', str(nb), '--out', str(out), '--check']) == 1
    assert m.main(['--nb', str(nb), '--out', str(out)]) == 0
    assert m.main(['--nb', str(nb), '--out', str(out), '--check']) == 0
    assert out.read_text() == f'{m.WARNING}\n\n# t\n\n```python\n1\n```\n\n    a\n'
    assert m.main(['--nb', str(tmp_path/'missing.ipynb'), '--out', str(out)]) == 2
