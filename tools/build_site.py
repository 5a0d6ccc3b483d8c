#!/usr/bin/env python
"""Build the documentation website `_site/` offline: nbdev's processed notebooks rendered by Sphinx.

    .venv/bin/python tools/build_site.py [--clean] [--strict] [--workers N]

1. nbdev's own notebook processors (the ones `nbdev_docs` runs before Quarto: front matter, `#| hide`
   and export cells removed, `show_doc` cells executed, doc links added) turn each notebook into a
   processed notebook. Committed outputs are kept: only the cells nbdev needs for `show_doc` run
   (exported code, import-only cells and the `show_doc` cells themselves), never the lessons.
   Processed notebooks are cached in `.cache/site/proc/` (redone when the notebook, settings.ini,
   nbdev or this script changes).
2. What Quarto would interpret is translated for MyST-NB: front matter becomes the page title and a
   lead paragraph, `#|` cell options (echo/output/include/code-fold) become cell tags, callouts become
   admonitions, pandoc link attributes are dropped, links to the hosted site become relative links.
3. Sphinx (myst-nb, furo theme, `nb_execution_mode = "off"`; configuration in `docs/conf.py`) builds
   `_site/`: the home page from nbs/index.ipynb, "Lessons" (nbs/1*_lesson_*.ipynb) and "API
   reference" (the other nbs/[0-9]*.ipynb) sections, and Sphinx's search. Formulas are typeset by
   MathJax served from `_site/_static/mathjax/` (from the PyPI package sphinx-mathjax-offline), not a CDN.

Sphinx warnings are printed; the build fails on errors (and on warnings too with `--strict`).
Quarto users can still run `nbdev_docs` / `nbdev_preview` (nbs/_quarto.yml is untouched).
"""
from __future__ import annotations
import argparse, concurrent.futures as cf, hashlib, json, multiprocessing as mp, os, re, shutil, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
WORK = ROOT/'.cache'/'site'     # git-ignored intermediate files
PROC, SRC, DOCTREES, HTML = WORK/'proc', WORK/'src', WORK/'doctrees', WORK/'html'
OUT = ROOT/'_site'
CONF = ROOT/'docs'

# ---------------------------------------------------------------- 1. nbdev processing (worker processes)

_SHOW_DIRS = {'export', 'exports', 'exporti', 'exec_doc'}

def _process_nb(src: str, dst: str) -> tuple[str, float, list[str]]:
    "Run nbdev's docs processors on notebook `src`, write the processed notebook to `dst`"
    import ast, warnings
    t0 = time.time()
    os.chdir(ROOT)
    os.environ['IN_TEST'] = '1'  # as nbdev's own `nbdev.serve_drv` does
    warnings.filterwarnings('ignore', message='Found cells containing imports and other code')
    from execnb.nbio import read_nb, write_nb
    from fastcore.basics import str2bool
    import nbdev.processors as P

    notes = []

    class exec_show_docs(P.exec_show_docs):
        """nbdev's `exec_show_docs`, except that a cell mixing imports with other code (nbdev warns
        about those: see its FAQ) is not re-run, and no cell but a `show_doc` one gets new outputs:
        every other cell keeps the outputs committed in the notebook"""
        def __call__(self, cell):
            if not self.nb.has_docs_ or not hasattr(self, 'k'): return
            fm = getattr(self.nb, 'frontmatter_', {})
            if str2bool(fm.get('skip_showdoc', False)): return
            if cell.cell_type != 'code' or not cell.source: return
            is_sd = bool(P._is_showdoc(cell))
            if not is_sd and not (cell.directives_.keys() & _SHOW_DIRS):
                try: trees = cell.parsed_()
                except Exception: return
                if P._ast_contains(trees or [], (ast.Import, ast.ImportFrom)) and \
                   P._ast_contains(trees, (ast.Expr, ast.Assign)):
                    notes.append(f'cell {cell.idx_} mixes imports with other code: not re-run, committed outputs kept')
                    return
            if not P._do_eval(cell): return
            outputs = cell.get('outputs')
            self.k.cell(cell)
            if self.k.exc:
                raise RuntimeError(f"{src}: error in cell {cell.idx_}:\n{cell.source}") from self.k.exc
            if not is_sd and outputs is not None: cell['outputs'] = outputs

    class Filter(P.FilterDefaults):
        def base_procs(self):
            return [exec_show_docs if p is P.exec_show_docs else p for p in super().base_procs()]

    nb = read_nb(src)
    nb.path_ = src  # FrontmatterProc names the page ('output-file') from it
    Filter()(nb)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    write_nb(nb, dst)
    return src, time.time() - t0, notes


def _stamp() -> str:
    "What invalidates every processed notebook: this script, settings.ini, nbdev's processors"
    import nbdev.processors
    h = hashlib.sha1()
    for f in (Path(__file__), ROOT/'settings.ini', Path(nbdev.processors.__file__)):
        h.update(Path(f).read_bytes())
    return h.hexdigest()


def process_notebooks(nbs: list[Path], workers: int, force: bool) -> dict[Path, Path]:
    PROC.mkdir(parents=True, exist_ok=True)
    stamp_f, stamp = PROC/'.stamp', _stamp()
    if force or not stamp_f.exists() or stamp_f.read_text() != stamp:
        shutil.rmtree(PROC); PROC.mkdir(parents=True)
    res = {nb: PROC/nb.name for nb in nbs}
    todo = [nb for nb, d in res.items() if not d.exists() or d.stat().st_mtime < nb.stat().st_mtime]
    for f in PROC.glob('*.ipynb'):  # notebooks that were removed
        if f.name not in {nb.name for nb in nbs}: f.unlink()
    print(f'[1/3] nbdev processing: {len(todo)} of {len(nbs)} notebooks ({len(nbs)-len(todo)} cached), {workers} workers', flush=True)
    if todo:
        # spawned workers, as nbdev's proc_nbs; the task is `build_site._process_nb`, not `__main__._process_nb`,
        # because IPython (running show_doc cells) replaces a worker's __main__
        sys.path.insert(0, str(Path(__file__).parent))
        import build_site
        with cf.ProcessPoolExecutor(min(workers, len(todo)), mp_context=mp.get_context('spawn')) as ex:
            futs = [ex.submit(build_site._process_nb, str(nb), str(res[nb])) for nb in todo]
            for fut in cf.as_completed(futs):
                src, dt, notes = fut.result()  # re-raises a worker's error
                print(f'      {Path(src).name}: {dt:.1f}s' + ''.join(f'\n        note: {n}' for n in notes), flush=True)
    stamp_f.write_text(stamp)
    return res

# ---------------------------------------------------------------- 2. Quarto -> MyST-NB

def _cfg():
    import configparser
    c = configparser.ConfigParser(); c.read(ROOT/'settings.ini')
    return c['DEFAULT']

_re_dir = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')
_re_callout = re.compile(r'^(:{3,})\s*\{\.callout-(\w+)([^}]*)\}\s*$', re.M)
_re_pandoc_attrs = re.compile(r'(\]\([^)\s]*\))\{[^}\n]*\}')   # [text](url){target="_blank" ...}
_re_link = re.compile(r'(\]\()([^)\s]+)(\))')
_ADMONITIONS = {'note', 'tip', 'warning', 'important', 'caution'}

def _callout(m):
    fence, kind, rest = m.groups()
    kind = kind if kind in _ADMONITIONS else 'note'
    t = re.search(r'title\s*=\s*"([^"]*)"', rest)
    return f'{fence}{{admonition}} {t.group(1)}\n:class: {kind}' if t else f'{fence}{{{kind}}}'

class Md:
    "Rewrites Quarto/nbdev markdown for MyST"
    def __init__(self, pages: dict[str, str], host: str, anchors: dict[str, set]):
        self.pages, self.host = pages, host   # pages: notebook name (and output-file) -> doc name
        self.anchors, self.unlinked = anchors, []   # anchors: doc name -> ids of its show_doc entries
        self._re_doclink = re.compile(r'\[([^\]\n]*)\]\(' + re.escape(host) + r'([\w.-]+)\.html#([^)\s]+)\)')
    def doclink(self, m):
        "nbdev links every `name` it knows; a name with no show_doc entry (a private helper) stays plain text"
        text, page, frag = m.groups()
        if page in self.anchors and frag.lower() not in self.anchors[page]:
            self.unlinked.append(f'{page}#{frag}'); return text
        return m.group(0)
    def link(self, url: str) -> str:
        if self.host and url.startswith(self.host): url = url[len(self.host):].lstrip('/') or 'index.html'
        if re.match(r'^[a-z][\w+.-]*:', url) or url.startswith(('#', '/')): return url
        path, sep, frag = url.partition('#')
        p = Path(path)
        if p.suffix in ('.ipynb', '.html', '.qmd', '.md') and p.name in self.pages:
            return self.pages[p.name] + '.html' + sep + frag
        return url
    def __call__(self, s: str) -> str:
        s = _re_callout.sub(_callout, s)
        s = _re_pandoc_attrs.sub(r'\1', s)
        if self.host: s = self._re_doclink.sub(self.doclink, s)
        return _re_link.sub(lambda m: m.group(1) + self.link(m.group(2)) + m.group(3), s)

def _src(c): return ''.join(c['source']) if isinstance(c.get('source'), list) else (c.get('source') or '')

def _md_cell(s): return {'cell_type': 'markdown', 'metadata': {}, 'source': s}

_re_sd_heading = re.compile(r'^#{2,6} +(\S.*?)\s*$', re.M)
def _sd_anchor(heading: str) -> str: return heading.strip('`').lower()

def sd_anchors(proc: Path) -> set[str]:
    "The ids of the show_doc entries of a processed notebook"
    res = set()
    for c in json.loads(proc.read_text())['cells']:
        if c['cell_type'] == 'code' and _src(c).lstrip().startswith(('#|', 'show_doc')) and 'show_doc' in _src(c):
            for o in c.get('outputs', []):
                t = o.get('data', {}).get('text/markdown')
                if t and (m := _re_sd_heading.search(''.join(t))): res.add(_sd_anchor(m.group(1)))
    return res

# Library-internal deprecation noise in committed outputs (fastai calling `torch.jit.script` at import; `import featloss`
# now silences it), with the machine path of the file that warned: not something a reader should see.
_re_noise = re.compile(r'^\S+\.py:\d+: FutureWarning: `torch\.jit\.script` is deprecated.*\n(?:  warnings\.warn\(.*\n?)?', re.M)

def _cr(t: str) -> str:
    "Stream text as a terminal shows it: a carriage return overwrites the line (progress bars)"
    out = []
    for line in t.split('\n'):
        buf = ''
        for seg in line.split('\r'): buf = seg + buf[len(seg):]
        out.append(buf.rstrip())
    return re.sub(r'\n{3,}', '\n\n', '\n'.join(out))

def _showdoc(md: str) -> str:
    "A show_doc entry: nbdev's anchor id (`#featureloss.forward`) and its source link, then heading, signature, docstring"
    md = md.strip().removeprefix('---').lstrip()
    src = re.search(r'^\[source\]\((\S+)\)[ \t]*$', md, re.M)
    if src: md = (md[:src.start()] + md[src.end():]).lstrip()
    h = _re_sd_heading.search(md)
    if not h: return md
    html = f'<a id="{_sd_anchor(h.group(1))}"></a>'
    if src: html += f'<a class="sd-source" href="{src.group(1)}">[source]</a>'
    return md[:h.start()] + f'<div class="sd-anchor">{html}</div>\n\n' + md[h.start():]

def convert(proc: Path, md: Md, extra_md: str = '') -> tuple[dict, str]:
    "A processed nbdev notebook as a MyST-NB notebook; returns it and its title"
    import yaml
    nb = json.loads(proc.read_text())
    cells, title = [], None
    for c in nb['cells']:
        s = _src(c)
        if c['cell_type'] == 'raw':
            if s.lstrip().startswith('---'):   # nbdev's front matter
                fm = yaml.safe_load(s.strip().strip('-')) or {}
                title = str(fm.get('title') or proc.stem)
                head = f'# {md(title)}\n'
                if fm.get('description'): head += '\n{.lead}\n' + md(str(fm['description'])).strip() + '\n'
                cells.append(_md_cell(head))
            continue   # other raw cells are Quarto-only
        if c['cell_type'] == 'markdown':
            if s.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
            if not s.strip(): continue
            c['source'] = md(s); c.pop('attachments', None) if not c.get('attachments') else None
            cells.append(c); continue
        # code: Quarto's `#|` options become myst-nb tags; the option lines are not shown
        lines, opts = s.splitlines(), {}
        while lines and (m := _re_dir.match(lines[0])): opts[m.group(1).lower()] = m.group(2).lower(); lines.pop(0)
        lines = [l for l in lines if not re.match(r'^\s*#\|', l)]
        src = '\n'.join(lines).strip('\n')
        tags = set(c.get('metadata', {}).get('tags', []))
        if opts.get('include') == 'false': continue
        if opts.get('echo') == 'false' or not src.strip(): tags.add('remove-input')
        if opts.get('output') == 'false': tags.add('remove-output')
        if opts.get('code-fold') in ('true', 'show') and 'remove-input' not in tags: tags.add('hide-input')
        outs = []
        for o in c.get('outputs', []):
            if o['output_type'] == 'stream':
                o['text'] = _cr(''.join(o['text']) if isinstance(o['text'], list) else o['text'])
                if o.get('name') == 'stderr': o['text'] = _re_noise.sub('', o['text'])
                if not o['text'].strip(): continue
            outs.append(o)
        c['outputs'] = outs
        for o in outs:
            d = o.get('data', {})
            if 'text/markdown' in d:
                t = ''.join(d['text/markdown']) if isinstance(d['text/markdown'], list) else d['text/markdown']
                d['text/markdown'] = md(t)
        if 'show_doc' in src and 'remove-input' in tags and outs and all('text/markdown' in o.get('data', {}) for o in outs):
            # a show_doc entry becomes part of the page, as on nbdev's site: its heading is a section
            # (in the page's table of contents and the search index), not a heading inside an output
            cells.extend(_md_cell(_showdoc(o['data']['text/markdown'])) for o in outs)
            continue
        if 'remove-input' in tags and ('remove-output' in tags or not outs): continue
        c['source'] = src
        c['metadata'] = {'tags': sorted(tags)} if tags else {}
        cells.append(c)
    if title is None:   # no front matter: Sphinx needs a title
        title = proc.stem; cells.insert(0, _md_cell(f'# {title}\n'))
    if extra_md: cells.append(_md_cell(extra_md))
    keys = {'markdown': ('cell_type', 'metadata', 'source', 'attachments'),
            'code': ('cell_type', 'metadata', 'source', 'outputs', 'execution_count')}
    cells = [{k: c[k] for k in keys[c['cell_type']] if k in c} for c in cells]   # nbformat 4.5 cells only
    for i, c in enumerate(cells): c['id'] = f'c{i}'
    nb['cells'], nb['nbformat'], nb['nbformat_minor'] = cells, 4, 5
    nb['metadata'] = {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'},
                      'language_info': {'name': 'python'}}
    return nb, title

# ---------------------------------------------------------------- 3. Sphinx

def _write_if_changed(f: Path, text: str):
    if not f.exists() or f.read_text() != text: f.write_text(text)

def _check_mathjax():
    "The site serves MathJax itself (docs/conf.py): stop before the slow steps when its package is missing"
    import runpy
    from sphinx.errors import ConfigError
    try: runpy.run_path(str(CONF/'conf.py'))['mathjax_dir']()
    except ConfigError as e: sys.exit(f'build_site.py: {e}')

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--clean', action='store_true', help='redo everything: nbdev processing, Sphinx, _site/')
    ap.add_argument('--strict', action='store_true', help='fail on Sphinx warnings too')
    ap.add_argument('--workers', type=int, default=min(2, os.cpu_count() or 1))
    a = ap.parse_args(argv)
    t0 = time.time()
    os.environ.setdefault('TORCH_HOME', str(ROOT/'.cache'/'torch'))
    os.environ.setdefault('FASTAI_HOME', str(ROOT/'.cache'/'fastai'))
    _check_mathjax()
    if a.clean: shutil.rmtree(WORK, ignore_errors=True); shutil.rmtree(OUT, ignore_errors=True)

    numbered = sorted(NBS.glob('[0-9]*.ipynb'))
    lessons = [f for f in numbered if re.match(r'^1\d*_lesson_', f.name)]
    api = [f for f in numbered if f not in lessons]
    index = NBS/'index.ipynb'
    nbs = [index, *api, *lessons]
    proc = process_notebooks(nbs, a.workers, a.clean)

    t1 = time.time()
    print(f'[2/3] Quarto -> MyST-NB ({t1-t0:.0f}s so far)', flush=True)
    # page names: nbdev's `output-file` (data.html, lesson_superres.html, ...), so nbdev's links work
    def doc_name(p: Path) -> str:
        fm = re.search(r'output-file:\s*(\S+)\.html', _src(json.loads(p.read_text())['cells'][0]))
        return fm.group(1) if fm else p.stem
    names = {nb: doc_name(proc[nb]) for nb in nbs}
    names[index] = 'index'
    pages = {}
    for nb, n in names.items(): pages[nb.name] = n; pages[n + '.html'] = n
    cfg = _cfg()
    anchors = {names[nb]: sd_anchors(proc[nb]) for nb in nbs}
    md = Md(pages, (cfg.get('doc_host', '') + cfg.get('doc_baseurl', '')).rstrip('/') + '/', anchors)
    toc = lambda cap, fs: (f'\n```{{toctree}}\n:caption: {cap}\n:hidden:\n:maxdepth: 1\n\n'
                           + '\n'.join(names[f] for f in fs) + '\n```\n') if fs else ''
    SRC.mkdir(parents=True, exist_ok=True)
    keep = set()
    for nb in nbs:
        extra = (toc('Lessons', lessons) + toc('API reference', api)) if nb == index else ''
        out, title = convert(proc[nb], md, extra)
        f = SRC/(names[nb] + '.ipynb'); keep.add(f.name)
        _write_if_changed(f, json.dumps(out, indent=1, ensure_ascii=False))
        print(f'      {nb.name:32} -> {names[nb]}.html  "{title}"')
    for f in SRC.glob('*.ipynb'):
        if f.name not in keep: f.unlink()
    if md.unlinked: print(f'      plain text, not links (no show_doc entry there): {", ".join(sorted(set(md.unlinked)))}')

    t2 = time.time()
    print(f'[3/3] Sphinx -> {OUT.relative_to(ROOT)}/ ({t2-t0:.0f}s so far)', flush=True)
    from sphinx.cmd.build import build_main
    args = ['-b', 'html', '-c', str(CONF), '-d', str(DOCTREES), '-j', str(a.workers), '--keep-going', '-q']
    if a.strict: args.append('-W')
    # into .cache/site/html, then copied: myst-nb writes a jupyter_execute/ folder beside Sphinx's output folder
    rc = build_main([*args, str(SRC), str(HTML)])
    if rc: sys.exit(f'build_site.py: Sphinx failed (status {rc}): see the messages above')
    shutil.rmtree(OUT, ignore_errors=True)
    shutil.copytree(HTML, OUT, ignore=shutil.ignore_patterns('.buildinfo*'))
    n = len(list(OUT.rglob('*.html')))
    print(f'built {OUT.relative_to(ROOT)}/: {n} HTML files in {time.time()-t0:.0f}s '
          f'(nbdev {t1-t0:.0f}s, convert {t2-t1:.0f}s, Sphinx {time.time()-t2:.0f}s). '
          f'View: python -m http.server -d _site, then http://localhost:8000/')

if __name__ == '__main__': main()
