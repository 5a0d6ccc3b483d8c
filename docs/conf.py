# Sphinx configuration of the documentation website, used by tools/build_site.py (`make site`).
# The pages themselves are generated from nbs/ (nbdev's processed notebooks); this is only the look.
import configparser, datetime, importlib.util, shutil
from pathlib import Path

_ini = configparser.ConfigParser()
_ini.read(Path(__file__).resolve().parents[1]/'settings.ini')
_cfg = _ini['DEFAULT']

project = _cfg['title']
author = _cfg['author']
copyright = _cfg['copyright']
release = version = _cfg['version']
language = 'en'

extensions = ['myst_nb']
nb_execution_mode = 'off'              # show the committed outputs; never run the notebooks
nb_output_stderr = 'show'
nb_render_markdown_format = 'myst'     # show_doc and Markdown() outputs: tables, links, raw HTML anchors
myst_enable_extensions = ['colon_fence', 'attrs_block', 'dollarmath', 'amsmath']
myst_all_links_external = True         # links are rewritten to the site's own .html pages by build_site.py
myst_heading_anchors = 0
suppress_warnings = ['myst.header']    # notebooks (and show_doc) may skip heading levels, as Quarto allows

# Formulas: MathJax 3 served with the site (`_static/mathjax/`), never from a CDN, so they render offline.
# The files come from the PyPI package sphinx-mathjax-offline (MathJax 3.2.2, the last 3.x release), a
# dev requirement. Its own Sphinx extension is not used: it does not declare itself parallel-safe (a
# warning, and a serial build with `-j`) and copies all of MathJax (24 MB); `_copy_mathjax` below
# copies the entry point and the parts it loads on demand (about 9 MB).
MATHJAX_PKG = 'sphinx-mathjax-offline'
MATHJAX_ENTRY = 'tex-chtml.js'         # TeX input, CommonHTML output, the menu and assistive MathML
mathjax_path = 'mathjax/' + MATHJAX_ENTRY   # relative: Sphinx links it as _static/mathjax/tex-chtml.js

def mathjax_dir() -> Path:
    "The MathJax files of the installed sphinx-mathjax-offline package"
    spec = importlib.util.find_spec(MATHJAX_PKG)
    d = Path(spec.origin).parent/'static'/'mathjax' if spec and spec.origin else None
    if d is None or not (d/MATHJAX_ENTRY).is_file():
        from sphinx.errors import ConfigError
        raise ConfigError(f'the Python package {MATHJAX_PKG} (MathJax, served with the site so that formulas '
                          f'render offline) is not installed: pip install {MATHJAX_PKG} (a dev requirement '
                          f'in settings.ini, so `make venv` installs it)')
    return d

def _copy_mathjax(app, exc):
    "After a successful HTML build: MathJax into _static/mathjax/, without the other combined builds"
    if exc is not None or app.builder.format != 'html': return
    src, dst = mathjax_dir(), Path(app.outdir)/'_static'/'mathjax'
    def skip(folder, names):   # the other top-level bundles (latest.js would load from the CDN), node-only code
        if Path(folder) != src: return []
        return [n for n in names if (n.endswith('.js') and n != MATHJAX_ENTRY) or n == 'adaptors']
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, ignore=skip)


html_theme = 'furo'
html_title = f"{project} {version}"
html_short_title = project
html_static_path = ['_static']
html_css_files = ['featloss.css']
html_copy_source = False               # no copies of the (large) notebooks in _site/_sources
html_show_sourcelink = False
html_use_index = False                 # no (empty) genindex.html: the API pages are nbdev's show_doc entries
html_last_updated_fmt = None
html_theme_options = {
    'source_repository': _cfg['git_url'] + '/',
    'source_branch': _cfg['branch'],
    'source_directory': 'nbs/',
    'top_of_page_buttons': [],
}


def setup(app):
    mathjax_dir()   # fail at once, with the fix, when the package is missing
    app.connect('build-finished', _copy_mathjax)
