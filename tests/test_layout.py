"""The library's layers: the losses work without fastai, no two featloss modules import each other, and every
module imports only modules listed before it in `featloss._MODULES` (core first, demo last)."""
import ast, importlib.util, subprocess, sys
from pathlib import Path
import featloss

PKG = Path(featloss.__file__).parent


def _featloss_imports(mod: str) -> set:
    "The featloss modules `mod` imports, at module level or inside functions"
    tree = ast.parse((PKG/f'{mod}.py').read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module: out.add(node.module.split('.')[0])
            elif node.module and node.module.startswith('featloss.'): out.add(node.module.split('.')[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split('.')[1] for a in node.names if a.name.startswith('featloss.')}
    return out - {mod}


def test_losses_and_features_need_no_fastai():
    code = "import featloss.losses, featloss.features, sys; assert 'fastai' not in sys.modules, sorted(m for m in sys.modules if m.startswith('fastai'))"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_modules_import_only_lower_layers():
    order = list(featloss._MODULES)
    assert set(order) == {p.stem for p in PKG.glob('*.py') if not p.stem.startswith('_')}
    for i, mod in enumerate(order):
        deps = _featloss_imports(mod)
        assert deps <= set(order[:i]), f"featloss.{mod} imports {sorted(deps - set(order[:i]))}, which come after it"
    assert _featloss_imports('core') == set()


def test_old_names_still_work_with_a_warning():
    import pytest, torch
    from featloss.metrics import colorfulness, colourfulness, Colorfulness, Colourfulness
    x = torch.rand(1, 3, 8, 8)
    with pytest.warns(DeprecationWarning, match='colourfulness is deprecated, use colorfulness'):
        assert colourfulness(x) == colorfulness(x)
    with pytest.warns(DeprecationWarning, match='Colourfulness is deprecated, use Colorfulness'):
        m = Colourfulness()
    assert isinstance(m, Colorfulness) and m.name == 'colorfulness'
