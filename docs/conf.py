# Sphinx configuration of the documentation website, used by tools/build_site.py (`make site`).
# The pages themselves are generated from nbs/ (nbdev's processed notebooks); this is only the look.
import configparser, datetime
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
