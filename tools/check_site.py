#!/usr/bin/env python
"""Browser test of the documentation website `_site/` (built by tools/build_site.py).

    .venv/bin/python tools/check_site.py [--site _site] [--shots site_shots]

Serves `_site/` on a free local port and visits every page with headless Chromium (Debian's
/usr/bin/chromium and /usr/bin/chromedriver, driven by Selenium; Selenium Manager is never used):
the pages reached from the home page and every .html file of the site, so orphans are caught too.
Fails (exit status 1, with a list of the problems) on
  - broken internal links: a link (or form action) to a file the server does not have, or to an
    #anchor that is not an id on the target page;
  - images that did not load (`img.complete && img.naturalWidth > 0`, data: URIs included), and
    any other file a page asked the server for that it does not have;
  - pages with no title (h1 and <title>) or no meaningful text, raw Quarto/nbdev syntax in the text,
    orphan pages (not linked from the site), pages missing from the navigation;
  - formulas that were not typeset: a math element (Sphinx's `.math`) with no MathJax/KaTeX output in
    it once MathJax's startup promise has settled, MathJax's error boxes, and raw TeX (`$$`, `\(`,
    `\[`, `\frac`, `$..\..$`, ...) in the visible text outside code;
  - any request for a file that is not on the local server (scripts, style sheets, fonts, ...): the
    site must work offline, so Chromium cannot resolve any host name but 127.0.0.1, and its network
    log is read for such requests;
  - a search for "FeatureLoss" that finds nothing (Sphinx's search page, run in the browser).
Saves screenshots of the home page, a lesson and the first displayed formula of the page with the most
formulas to site_shots/home.png, lesson.png and math.png.
"""
from __future__ import annotations
import argparse, functools, http.server, json, os, re, shutil, sys, tempfile, threading, time
from pathlib import Path
from urllib.parse import urljoin, urlsplit, unquote

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver')
QUERY = 'FeatureLoss'
LESSON = 'lesson_superres.html'   # the lesson screenshot (else the first lesson_*.html)
MIN_TEXT = 40                      # characters of main text that make a page non-empty
# what Quarto or nbdev would have interpreted, showing up as text
JUNK = re.compile(r'^\s*#\|\s*[\w-]+|^:::|\{\.callout|\{target=|\{\.lead\}|output-file:|<!-- WARNING', re.M)
# TeX that was not typeset, in the visible text outside code: math delimiters, TeX commands, and (RAW_TEX_DOLLAR)
# $...$ with a backslash, ^, _ or { in it
RAW_TEX_DOLLAR = re.compile(r'\$(?![\s$])[^$]{0,120}?[\\^_{][^$]{0,120}?(?<!\s)\$')
RAW_TEX = re.compile(r'\$\$|\\[(\[]|\\[)\]]|\\(?:begin|end)\{|'
                     r'\\(?:frac|dfrac|mathrm|mathcal|mathbf|mathbb|operatorname|text|sqrt|sum|prod|int|left|right|'
                     r'hat|bar|overline|cdot|times|lambda|alpha|beta|gamma|delta|sigma|mu|rho|phi|log|lVert|qquad)(?![A-Za-z])')

PAGE_JS = r"""
const main = document.querySelector('article') || document.querySelector('main') || document.body;
return {
  title: document.title,
  h1: [...main.querySelectorAll('h1')].map(h => h.innerText.trim()),
  text: main.innerText,
  links: [...document.querySelectorAll('a[href]')].map(a => a.href)
         .concat([...document.querySelectorAll('form[action]')].map(f => f.action)),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id)
       .concat([...document.querySelectorAll('a[name]')].map(e => e.name)),
  imgs: [...document.images].map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
  nav: [...document.querySelectorAll('.sidebar-tree a.reference')].map(a => [a.href, a.innerText.trim()]),
};"""

# Waits (asynchronously) for MathJax's typesetting, if the page loads MathJax, then reports its math
MATH_JS = r"""
const done = arguments[arguments.length - 1];
const main = document.querySelector('article') || document.querySelector('main') || document.body;
const report = (mathjax) => {
  const math = [...main.querySelectorAll('.math')];
  const typeset = (e) => e.querySelector('mjx-container, .katex') !== null;
  // the visible text that is not code and not typeset math
  const skip = 'pre, code, kbd, samp, script, style, textarea, mjx-container, .katex';
  const w = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let n = w.nextNode(); n; n = w.nextNode()) {
    const p = n.parentElement;
    if (!p || p.closest(skip) || !p.checkVisibility()) continue;
    texts.push(n.data);
  }
  done({mathjax, n_math: math.length,
        untypeset: math.filter(e => !typeset(e)).map(e => e.textContent.trim().slice(0, 80)),
        errors: [...main.querySelectorAll('mjx-merror, .katex-error')].map(e =>
                  (e.getAttribute('data-mjx-error') || e.title || e.textContent).slice(0, 80)),
        text: texts.join(' ')});
};
const t0 = Date.now();
(function wait() {
  const MJ = window.MathJax;
  if (MJ && MJ.startup && MJ.startup.promise)
    MJ.startup.promise.then(() => report('typeset'), (e) => report('failed: ' + e));
  // MathJax is a deferred script: once the page is loaded it has run, or failed to load
  else if (Date.now() - t0 > 2000 || !document.querySelector('.math'))
    report(MJ ? 'not loaded (only its configuration)' : 'absent');
  else setTimeout(wait, 50);
})();"""


class Handler(http.server.SimpleHTTPRequestHandler):
    missing: list = []
    def log_message(self, *args): pass
    def send_error(self, code, *args, **kwargs):
        if code == 404: Handler.missing.append(self.path)
        super().send_error(code, *args, **kwargs)


def serve(site: Path):
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f'http://127.0.0.1:{httpd.server_address[1]}/'


def browser(tmp: Path):
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not os.access(exe, os.X_OK):
            sys.exit(f'check_site.py: {exe} not found: install Debian\'s chromium and chromium-driver '
                     f'(apt-get install -y chromium chromium-driver), or set CHROMIUM / CHROMEDRIVER')
    # Selenium Manager (which may download drivers) is never needed: both paths are given
    os.environ.update(SE_OFFLINE='true', SE_AVOID_STATS='true', SE_CACHE_PATH=str(tmp/'selenium'))
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars',
              '--window-size=1280,900', f'--user-data-dir={tmp/"profile"}', '--no-first-run',
              '--disable-background-networking', '--disable-component-update', '--disable-sync',
              # offline, as a reader without internet: no host name resolves but the local server's
              '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'):
        opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'performance': 'ALL'})   # every request, even failed ones
    env = {**os.environ, 'HOME': str(tmp), 'XDG_CONFIG_HOME': str(tmp/'config'), 'XDG_CACHE_HOME': str(tmp/'cache')}
    d = webdriver.Chrome(options=opts, service=Service(executable_path=CHROMEDRIVER, env=env))
    d.set_page_load_timeout(60)
    d.set_script_timeout(30)
    return d


def sent_requests(d) -> list[tuple[str, str]]:
    "(resource type, URL) of the requests Chromium sent since the last call"
    res = []
    for e in d.get_log('performance'):
        m = json.loads(e['message'])['message']
        if m['method'] == 'Network.requestWillBeSent':
            res.append((m['params'].get('type', '?'), m['params']['request']['url']))
    return res


def load(d, url: str) -> dict:
    "Open `url`, wait for its images, return what PAGE_JS collects"
    d.get(url)
    d.execute_script("document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    t = time.time()
    while time.time() - t < 15 and not d.execute_script(
            "return document.readyState === 'complete' && [...document.images].every(i => i.complete)"):
        time.sleep(0.1)
    return {**d.execute_script(PAGE_JS), 'math': d.execute_async_script(MATH_JS)}


def shoot(d, url: str, f: Path, max_h: int):
    d.get(url)
    h = min(max_h, d.execute_script('return document.documentElement.scrollHeight'))
    d.set_window_size(1280, max(900, h))
    time.sleep(0.3)
    f.parent.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(f))
    d.set_window_size(1280, 900)


def shoot_math(d, url: str, f: Path):
    "The page scrolled to its first displayed formula (else its first formula), once MathJax is done"
    load(d, url)   # images loaded and formulas typeset: the layout is final
    d.execute_script("(document.querySelector('div.math') || document.querySelector('.math'))"
                     ".scrollIntoView({block: 'center', behavior: 'instant'})")
    time.sleep(0.3)
    f.parent.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(f))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--site', default=str(ROOT/'_site'))
    ap.add_argument('--shots', default='site_shots', help='folder for home.png and lesson.png (relative: to the repository)')
    a = ap.parse_args(argv)
    site, t0 = Path(a.site).resolve(), time.time()
    if not (site/'index.html').exists():
        sys.exit(f'check_site.py: no {site}/index.html: build the site first (make site)')
    httpd, base = serve(site)
    tmp = Path(tempfile.mkdtemp(prefix='check_site-'))
    problems, pages = [], {}
    n_links = n_internal = n_anchors = n_imgs = n_math = 0
    math_pages = {}   # page -> number of typeset formulas
    exists = {}

    def on_server(path: str) -> bool:   # does the server have this file (or folder with index.html)?
        if path not in exists:
            f = site/unquote(path).lstrip('/')
            exists[path] = f.is_file() or (f.is_dir() and (f/'index.html').is_file())
        return exists[path]

    d = browser(tmp)
    try:
        all_html = sorted(str(p.relative_to(site)) for p in site.rglob('*.html') if '_static' not in p.parts)
        todo, seen, linked = ['index.html'], set(), set()
        anchors = []   # (page, link target page, fragment)
        while todo or (set(all_html) - seen):
            page = todo.pop(0) if todo else sorted(set(all_html) - seen)[0]
            if page in seen: continue
            seen.add(page)
            sent_requests(d)   # drop the previous page's late requests
            info = pages[page] = load(d, base + page)
            for kind, url in sent_requests(d):
                u = urlsplit(url)
                if u.scheme in ('data', 'blob', 'about', 'chrome') or f'{u.scheme}://{u.netloc}/' == base: continue
                problems.append(f'{page}: requested a file from outside the site ({kind}): {url[:100]}')
            m = info['math']
            n_math += m['n_math'] - len(m['untypeset'])
            if m['n_math'] and not m['untypeset']: math_pages[page] = m['n_math']
            if m['untypeset']:
                problems.append(f'{page}: {len(m["untypeset"])} of {m["n_math"]} formulas not typeset (MathJax '
                                f'{m["mathjax"]}), e.g. {m["untypeset"][0]!r}')
            for err in m['errors']: problems.append(f'{page}: MathJax error in a formula: {err!r}')
            text = ' '.join(m['text'].split())
            if tex := sorted([*RAW_TEX.finditer(text), *RAW_TEX_DOLLAR.finditer(text)], key=lambda t: t.start()):
                i, kinds = tex[0].start(), sorted({t.group(0)[:12] for t in tex})
                problems.append(f'{page}: raw TeX in the text ({len(tex)} places: {", ".join(kinds[:8])}'
                                f'{", ..." if len(kinds) > 8 else ""}), e.g. {text[max(0, i-30):i+50]!r}')
            for img in info['imgs']:
                n_imgs += 1
                if not img['ok']: problems.append(f'{page}: image did not load: {img["src"][:100]}')
            for href in info['links']:
                n_links += 1
                u = urlsplit(href)
                if u.scheme not in ('http', 'https') or f'{u.scheme}://{u.netloc}/' != base: continue
                n_internal += 1
                path = u.path.lstrip('/') or 'index.html'
                if path.endswith('/'): path += 'index.html'
                if not on_server(path):
                    problems.append(f'{page}: broken link to {path}' + (f'#{u.fragment}' if u.fragment else '')); continue
                if path != page: linked.add(path)
                if path.endswith('.html'):
                    if path not in seen and path not in todo: todo.append(path)
                    if u.fragment: anchors.append((page, path, unquote(u.fragment)))
            main_text = info['text'].strip()
            if not info['title'].strip() or (not info['h1'] and page != 'search.html'):
                problems.append(f'{page}: no title (<title> {info["title"]!r}, h1 {info["h1"]})')
            if page != 'search.html' and len(main_text) < MIN_TEXT:
                problems.append(f'{page}: empty page ({len(main_text)} characters of text)')
            for m in JUNK.finditer(main_text):
                problems.append(f'{page}: raw Quarto/nbdev syntax in the text: {main_text[m.start():m.start()+60]!r}')
        for page, target, frag in anchors:
            n_anchors += 1
            if frag not in pages[target]['ids']: problems.append(f'{page}: link to {target}#{frag}: no such id there')
        for page in sorted(seen - linked - {'index.html'}): problems.append(f'{page}: orphan page (no link to it)')
        # navigation: every page but home and search is in the sidebar, with its title
        nav = {urlsplit(h).path.lstrip('/'): t for h, t in pages['index.html']['nav']}
        for page in sorted(seen - {'index.html', 'search.html', 'genindex.html'}):
            title = pages[page]['h1'][0] if pages[page]['h1'] else ''
            if page not in nav: problems.append(f'{page}: not in the navigation sidebar')
            elif not nav[page] or nav[page] != title:
                problems.append(f'{page}: navigation title {nav[page]!r} is not the page title {title!r}')
        problems += [f'the server has no {p} (asked for by a page)' for p in sorted(set(Handler.missing))
                     if p != '/favicon.ico' and not any(p.lstrip('/') in pr for pr in problems)]
        shots = ROOT/a.shots   # before the search, which leaves "Hide Search Matches" in the sidebar
        shoot(d, base + 'index.html', shots/'home.png', 3000)
        lesson = LESSON if LESSON in seen else next((p for p in sorted(seen) if p.startswith('lesson_')), None)
        if lesson: shoot(d, base + lesson, shots/'lesson.png', 4000)
        else: problems.append('no lesson page (lesson_*.html) to take a screenshot of')
        if math_pages: shoot_math(d, base + max(math_pages, key=math_pages.get), shots/'math.png')
        # search, in the browser: Sphinx's search page runs the query against searchindex.js
        d.get(f'{base}search.html?q={QUERY}')
        t = time.time()
        while time.time() - t < 20:
            done = d.execute_script("const s = document.querySelector('.search-summary'); return s ? s.innerText : ''")
            if 'Search finished' in done or 'did not match' in done: break   # results are added one by one till then
            time.sleep(0.2)
        hits = d.execute_script("return [...document.querySelectorAll('#search-results li a, ul.search li a')]"
                                ".map(a => a.getAttribute('href'))")
        if not hits: problems.append(f'search for {QUERY!r} found nothing (search.html?q={QUERY})')
        elif not any(h.split('#')[0].split('?')[0] == 'losses.html' for h in hits):
            problems.append(f'search for {QUERY!r} does not find losses.html: {hits[:5]}')
    finally:
        d.quit(); httpd.shutdown(); shutil.rmtree(tmp, ignore_errors=True)

    print(f'check_site.py: {len(seen)} pages ({len(all_html)} .html files), {n_links} links '
          f'({n_internal} internal checked, {n_anchors} #anchors), {n_imgs} images, '
          f'{n_math} formulas typeset on {len(math_pages)} pages, '
          f'search {QUERY!r}: {len(hits)} results; screenshots in {a.shots}/; '
          f'{time.time()-t0:.1f}s')
    if problems:
        print(f'\nFAILED: {len(problems)} problem(s):', *(f'  - {p}' for p in problems), sep='\n', file=sys.stderr)
        sys.exit(1)
    print('site OK')


if __name__ == '__main__': main()
