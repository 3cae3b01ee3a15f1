#!/usr/bin/python3
"""Benchmark `wirewatch extract` against readability-lxml on an extraction dataset.

Usage: bench_extract.py WW_BINARY BENCH_DIR [SCORER] [--reps N] [--passes N] [--keep DIR]

BENCH_DIR is an article-extraction-benchmark split (html/<id>.html.gz,
ground-truth.json, optional ids.txt); SCORER defaults to BENCH_DIR/../extract_score.py.
Runs under Debian's /usr/bin/python3 (readability-lxml and lxml come from
python3-readability).  Both extractors get the same gzipped pages; pages/s is the
best of N runs (wirewatch: each run reads the list --passes times), single thread; wirewatch's time includes process start and gunzip,
readability's includes gunzip and decoding.  Peak RSS is wirewatch's (getrusage of the
child).  Nothing from the dataset is written outside a temporary directory.
"""
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def score(scorer, pred_dir, gt, ids):
    cmd = [sys.executable, str(scorer), '--pred', str(pred_dir), '--gt', str(gt)]
    if ids:
        cmd += ['--ids', str(ids)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    last = out.strip().splitlines()[-1]
    vals = dict(kv.split('=') for kv in last.split())
    return vals


def run_wirewatch(ww, files, reps, passes):
    """Best wall and best CPU (user+sys) time per pass of `reps` runs, each over the
    page list `passes` times (one process, so a short run is not all start-up); peak
    RSS of the child.  The child is reaped with wait4 for its own rusage
    (RUSAGE_CHILDREN would include earlier children of this process and of the shell
    that exec'd it)."""
    best_wall = best_cpu = None
    out = None
    rss = 0
    args = [ww, 'extract'] + [str(f) for f in files] * passes
    for _ in range(reps):
        with tempfile.TemporaryFile() as fout:
            t0 = time.perf_counter()
            p = subprocess.Popen(args, stdout=fout, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
            if p.returncode != 0:
                sys.exit('wirewatch extract failed with status %d' % p.returncode)
            fout.seek(0)
            out = fout.read()
        cpu = ru.ru_utime + ru.ru_stime
        rss = max(rss, ru.ru_maxrss)
        best_wall = wall if best_wall is None else min(best_wall, wall)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    lines = out.decode().splitlines()[:len(files)]
    return best_wall / passes, best_cpu / passes, '\n'.join(lines).encode(), rss


def run_libxml2(files):
    """libxml2's HTML parser alone (tree and SAX) on the same pages: the floor of an
    extractor built on it.  Compiled from tests/bench/libxml2_parse.c; None when no
    compiler or libxml2 headers are around."""
    src = Path(__file__).with_name('libxml2_parse.c')
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / 'libxml2_parse'
        try:
            cflags = subprocess.run(['xml2-config', '--cflags', '--libs'], capture_output=True,
                                    text=True, check=True).stdout.split()
            subprocess.run(['cc', '-O2', '-o', str(exe), str(src)] + cflags + ['-lz'],
                           check=True, capture_output=True)
            out = subprocess.run([str(exe)] + [str(f) for f in files], capture_output=True,
                                 text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
    return dict((k, float(v)) for k, v in (l.split() for l in out.splitlines()))


def html_to_text(html):
    """readability's HTML -> text with paragraph breaks between block elements."""
    import lxml.html
    root = lxml.html.fromstring(html)
    blocks = {'p', 'div', 'br', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'tr',
              'blockquote', 'pre', 'ul', 'ol', 'table', 'section', 'article'}
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in blocks:
            el.tail = '\n\n' + (el.tail or '')
    text = root.text_content()
    return re.sub(r'\n\s*\n+', '\n\n', text).strip()


def run_readability(files, reps):
    best_wall = best_cpu = None
    from readability import Document
    texts = {}
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        for f in files:
            html = gzip.open(f).read().decode('utf-8', 'replace')
            summary = Document(html).summary(html_partial=True)
            texts[f] = html_to_text(summary)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        best_wall = wall if best_wall is None else min(best_wall, wall)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    return best_wall, best_cpu, texts


def main():
    args = sys.argv[1:]
    reps = 3
    passes = 5
    keep = None
    if '--reps' in args:
        i = args.index('--reps')
        reps = int(args[i + 1])
        del args[i:i + 2]
    if '--passes' in args:
        i = args.index('--passes')
        passes = int(args[i + 1])
        del args[i:i + 2]
    if '--keep' in args:
        i = args.index('--keep')
        keep = Path(args[i + 1])
        del args[i:i + 2]
    if len(args) < 2:
        sys.exit(__doc__)
    ww, bench = args[0], Path(args[1])
    scorer = Path(args[2]) if len(args) > 2 else bench.parent / 'extract_score.py'
    if scorer.is_dir():
        scorer = scorer / 'extract_score.py'
    gt = bench / 'ground-truth.json'
    ids_file = bench / 'ids.txt'
    ids = ([l.strip() for l in ids_file.read_text().splitlines() if l.strip()]
           if ids_file.exists() else sorted(json.loads(gt.read_text())))
    files = [bench / 'html' / (i + '.html.gz') for i in ids]
    n = len(files)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(keep) if keep else Path(tmp)
        wdir, rdir = tmp / 'wirewatch', tmp / 'readability'
        wdir.mkdir(parents=True, exist_ok=True)
        rdir.mkdir(parents=True, exist_ok=True)

        wt, wc, out, rss = run_wirewatch(ww, files, reps, passes)
        errors = 0
        for line in out.decode().splitlines():
            d = json.loads(line)
            pid = Path(d['file']).name.split('.')[0]
            if 'error' in d:
                errors += 1
            (wdir / (pid + '.txt')).write_text(d.get('text', ''), encoding='utf8')
        ws = score(scorer, wdir, gt, ids_file if ids_file.exists() else None)

        rt, rc, texts = run_readability(files, reps)
        for f, t in texts.items():
            (rdir / (f.name.split('.')[0] + '.txt')).write_text(t, encoding='utf8')
        rs = score(scorer, rdir, gt, ids_file if ids_file.exists() else None)

    lx = run_libxml2(files)
    print('pages: %d (%s); pages/s single thread, best of %d, by CPU time (wall time)'
          % (n, bench, reps))
    print('wirewatch extract: F1=%s P=%s R=%s acc=%s  %.1f pages/s (%.1f wall)  '
          'peak RSS %.1f MB  errors=%d'
          % (ws['F1'], ws['P'], ws['R'], ws['acc'], n / wc, n / wt, rss / 1024.0, errors))
    print('readability-lxml:  F1=%s P=%s R=%s acc=%s  %.1f pages/s (%.1f wall)'
          % (rs['F1'], rs['P'], rs['R'], rs['acc'], n / rc, n / rt))
    if lx:
        print('libxml2 HTML parser alone (CPU time): tree %.1f pages/s, SAX (no-op callbacks) '
              '%.1f pages/s' % (lx['tree'], lx['sax']))
    print('speed ratio wirewatch/readability-lxml: %.1fx by CPU time (%.1fx wall)'
          % (rc / wc, rt / wt))


if __name__ == '__main__':
    main()
