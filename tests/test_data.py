"Odd and broken image files: open_rgb, image_files, crappify_folder and the DataLoaders factories must cope with them."
import urllib.error, warnings
import numpy as np, pytest, torch
from PIL import Image
from featloss.data import (UnreadableImageError, UnreadableImageWarning, DataUnavailableError, Crappifier, open_rgb,
                           image_files, crappify_folder, superres_dls, colorize_dls)
from featloss.core import imagenet_denorm

GOOD = ['grey.png', 'rgba.png', 'palette.gif', 'palette_t.png', 'g16.png', 'cmyk.jpg', 'exif.jpg', 'small.png']
BROKEN_HEADER = ['text.jpg', 'zero.png']  # caught by the cheap header check
TRUNCATED = 'truncated.jpg'               # only caught by a full decode


@pytest.fixture(scope='module')
def odd(tmp_path_factory):
    "A folder with one file of each odd kind, plus a non-image extension and a subfolder"
    d = tmp_path_factory.mktemp('odd')
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (48, 64), dtype=np.uint8)).save(d/'grey.png')
    Image.new('RGBA', (64, 48), (0, 0, 255, 0)).save(d/'rgba.png')                # fully transparent blue
    p = Image.new('P', (64, 48), 1); p.putpalette([0, 0, 0, 0, 255, 0] + [0]*762)
    p.save(d/'palette.gif')
    p.save(d/'palette_t.png', transparency=1)                                      # palette entry 1 transparent
    Image.fromarray(np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (48, 1))).save(d/'g16.png')
    Image.new('CMYK', (64, 48), (0, 255, 255, 0)).save(d/'cmyk.jpg', quality=95)   # red
    e = np.zeros((40, 80, 3), np.uint8); e[:, :40] = (255, 0, 0)                   # stored 80x40, red left half
    exif = Image.Exif(); exif[0x0112] = 6                                          # "rotate 90 CW to display"
    Image.fromarray(e).save(d/'exif.jpg', exif=exif, quality=95)
    (d/'sub').mkdir()
    Image.new('RGB', (20, 30), (10, 200, 30)).save(d/'sub'/'small.png')            # smaller than the crops below
    big = Image.fromarray(rng.integers(0, 256, (200, 200, 3), dtype=np.uint8))
    big.save(d/'full.jpg', quality=95)
    data = (d/'full.jpg').read_bytes(); (d/'full.jpg').unlink()
    (d/TRUNCATED).write_bytes(data[:len(data)//2])
    (d/'text.jpg').write_text('this is not a JPEG')
    (d/'zero.png').write_bytes(b'')
    (d/'notes.txt').write_text('ignored: not an image extension')
    return d


def _path(d, name): return d/'sub'/name if name == 'small.png' else d/name


def test_open_rgb_modes(odd):
    ims = {n: open_rgb(_path(odd, n)) for n in GOOD}
    assert all(im.mode == 'RGB' for im in ims.values())
    assert ims['rgba.png'].getpixel((5, 5)) == (255, 255, 255)        # transparent: composited on white
    assert ims['palette.gif'].getpixel((5, 5)) == (0, 255, 0)
    assert ims['palette_t.png'].getpixel((5, 5)) == (255, 255, 255)
    g = np.asarray(ims['g16.png'])[0, :, 0]
    assert g[0] == 0 and g[-1] == 255 and 120 < g[32] < 135          # scaled to 8 bits, not clipped
    assert np.diff(g.astype(int)).min() >= 0 and len(np.unique(g)) > 50
    r, gg, b = ims['cmyk.jpg'].getpixel((5, 5))
    assert r > 200 and gg < 60 and b < 60
    ex = ims['exif.jpg']
    assert ex.size == (40, 80)                                         # upright: portrait
    assert ex.getpixel((20, 10))[0] > 200 and ex.getpixel((20, 70))[0] < 60   # the red half is now on top
    assert np.asarray(open_rgb(Image.open(odd/'exif.jpg'))).shape == (80, 40, 3)  # a PIL image works too
    assert open_rgb(Image.open(odd/'g16.png')).getpixel((63, 0)) == (255, 255, 255)


@pytest.mark.parametrize('name', BROKEN_HEADER + [TRUNCATED])
def test_open_rgb_unreadable(odd, name):
    with pytest.raises(UnreadableImageError, match=name):
        open_rgb(odd/name)
    assert issubclass(UnreadableImageError, ValueError)
    with pytest.raises(FileNotFoundError): open_rgb(odd/'missing.png')


def _record(f, *args, **kwargs):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        res = f(*args, **kwargs)
    return res, [x for x in w if issubclass(x.category, UnreadableImageWarning)]


def test_image_files_one_warning(odd):
    files, w = _record(image_files, odd)
    assert sorted(f.name for f in files) == sorted(GOOD + [TRUNCATED])    # header check: the truncated JPEG passes
    assert len(w) == 1 and 'skipped 2 unreadable image files of 11' in str(w[0].message)
    files, w = _record(image_files, odd, decode=True)
    assert sorted(f.name for f in files) == sorted(GOOD)
    assert len(w) == 1 and 'skipped 3 ' in str(w[0].message)
    files, w = _record(image_files, [odd/'grey.png', odd/'zero.png', odd/'notes.txt'])  # an explicit list: each is checked
    assert files == [odd/'grey.png'] and len(w) == 1 and 'skipped 2 ' in str(w[0].message)
    files, w = _record(image_files, [odd/'grey.png'])
    assert files == [odd/'grey.png'] and not w


def test_crappifier():
    im = Image.fromarray(np.random.default_rng(1).integers(0, 256, (64, 96, 3), dtype=np.uint8))
    c = Crappifier(scale=4, text=True, noise=0.02, seed=5)
    a = c(im)
    assert a.size == (24, 16) and a.mode == 'RGB'
    assert np.array_equal(np.asarray(c(im)), np.asarray(a))
    assert not np.array_equal(np.asarray(c(im, seed=6)), np.asarray(a))
    assert Crappifier(scale=3, quality=None)(im).size == (32, 21)
    lr, data = Crappifier(quality=50, seed=0).degrade(im)
    assert data[:2] == b'\xff\xd8' and lr.size == (24, 16)
    assert Crappifier(quality=None).degrade(im)[1] is None


def test_crappify_folder(odd, tmp_path):
    out, w = _record(crappify_folder, odd, tmp_path/'lr', Crappifier(seed=0), n_workers=2, progress=False)
    rel = sorted(o.relative_to(tmp_path/'lr').as_posix() for o in out)
    assert rel == sorted(n if n != 'small.png' else 'sub/small.png' for n in GOOD)
    assert len(w) == 1 and 'skipped 3 ' in str(w[0].message)           # text, zero-byte and truncated files
    for o in out:
        src = open_rgb(_path(odd, o.name))
        assert Image.open(o).size == (src.width // 4, src.height // 4)
    assert Image.open(tmp_path/'lr'/'sub'/'small.png').size == (5, 7)
    out2, _ = _record(crappify_folder, odd, tmp_path/'lr2', Crappifier(seed=0), n_workers=0, progress=False)
    assert [p.read_bytes() for p in sorted(out2)] == [p.read_bytes() for p in sorted(out)]  # same seed: same files


def test_superres_dls_odd_folder(odd):
    (dls, w) = _record(superres_dls, odd, size=32, bs=4, n_per_image=2, valid_pct=0.2, device='cpu')
    assert len(w) == 1 and 'skipped 2 ' in str(w[0].message)            # the header check, once
    assert len(dls.train_ds.items) + len(dls.valid_ds.items) == 9
    assert not set(dls.train_ds.items) & set(dls.valid_ds.items)
    x, y = dls.one_batch()
    assert x.shape == y.shape == (4, 3, 32, 32)
    # a full pass over both sets: the truncated JPEG fails to decode and is replaced, with one warning
    def full_pass():
        n = 0
        for dl in (dls.train, dls.valid):
            for xb, yb in dl: assert xb.shape[1:] == (3, 32, 32) and torch.isfinite(xb).all(); n += len(xb)
        return n
    n, w = _record(full_pass)
    assert n == (len(dls.train_ds) // 4) * 4 + len(dls.valid_ds)
    skipped = dls.train_ds.skipped + dls.valid_ds.skipped
    assert [p.name for p in skipped] == [TRUNCATED]
    assert len([x for x in w if TRUNCATED in str(x.message)]) <= 1     # warned once (possibly already while building)
    # the small image was upscaled to the crop size
    ds = dls.train_ds if odd/'sub'/'small.png' in dls.train_ds.items else dls.valid_ds
    assert min(ds.image(ds.items.index(odd/'sub'/'small.png')).size) == 32


def test_default_source_and_colorize():
    dls = superres_dls(size=48, bs=4, device='cpu')
    x, y = dls.one_batch()
    assert x.shape == y.shape == (4, 3, 48, 48) and len(dls.train_ds.items) == 6 and len(dls.valid_ds.items) == 1
    xv, _ = dls.valid.one_batch()
    assert torch.equal(xv, dls.valid.one_batch()[0])                 # fixed validation items
    cdls = colorize_dls(size=32, bs=2, device='cpu')
    x, y = cdls.one_batch()
    g = imagenet_denorm(x)
    assert x.shape == (2, 3, 32, 32) and torch.allclose(g[:, 0], g[:, 2], atol=1e-5)


def test_named_sources_fail_clearly(monkeypatch, tmp_path):
    import fastai.data.external
    def offline(*args, **kwargs): raise urllib.error.URLError('[Errno -2] Name or service not known')
    monkeypatch.setattr(fastai.data.external, 'untar_data', offline)
    with pytest.raises(DataUnavailableError, match='Offline') as e: superres_dls('pets')
    assert '\n' not in str(e.value)
    monkeypatch.setenv('FEATLOSS_SHARED', str(tmp_path/'absent'))
    with pytest.raises(DataUnavailableError, match='shared'): colorize_dls('shared')
    with pytest.raises(FileNotFoundError): superres_dls(tmp_path/'absent')
