#!/usr/bin/env python
"""Execute notebooks in place with their `#| slow` cells, as their committed outputs are made (see DEVELOPERS.md).

Usage: python tools/run_nb.py nbs/13_lesson_superres.ipynb [...] [--skip-slow]

Cells marked `#| eval: false` are skipped, as `nbdev_test` skips them; with `--skip-slow`, `#| slow` cells are
skipped too and keep the outputs they have. The notebook is written only if every cell ran; run `nbdev_clean` after."""
import re, sys, time
from pathlib import Path
from execnb.shell import CaptureShell

def _flags(cell):
    return {m.group(1).strip() for m in re.finditer(r'^#\|\s*([^\n]+)$', cell.source, re.M)} if cell.cell_type == 'code' else set()

def run(path, skip_slow=False):
    skip = lambda c: 'eval: false' in _flags(c) or (skip_slow and 'slow' in _flags(c))
    t = time.time()
    CaptureShell().execute(path, path, exc_stop=True, preproc=skip)
    print(f"{path}: executed in {time.time() - t:.0f} s", flush=True)

if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    for p in args: run(str(Path(p).resolve()), '--skip-slow' in sys.argv)
