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
    """Best wall time of `reps` runs, each over the page list `passes` times (one
    process, so a short run is not all start-up and scheduler noise); peak RSS of the
    child from wait4 (RUSAGE_CHILDREN would include earlier children of this process
    and of the shell that exec'd it)."""
    best = None
    out = None
    rss = 0
    args = [ww, 'extract'] + [str(f) for f in files] * passes
    for _ in range(reps):
        t0 = time.perf_counter()
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stdout, stderr = p.communicate()
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit('wirewatch extract failed: %s' % stderr.decode()[-2000:])
        best = dt if best is None else min(best, dt)
        out = stdout
    # one more run for the memory figure, reaped with wait4 to get its own rusage
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    rss = ru.ru_maxrss
    lines = out.decode().splitlines()[:len(files)]
    return best / passes, '\n'.join(lines).encode(), rss


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
    from readability import Document
    best = None
    texts = {}
    for _ in range(reps):
        t0 = time.perf_counter()
        for f in files:
            html = gzip.open(f).read().decode('utf-8', 'replace')
            summary = Document(html).summary(html_partial=True)
            texts[f] = html_to_text(summary)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best, texts


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

        wt, out, rss = run_wirewatch(ww, files, reps, passes)
        errors = 0
        for line in out.decode().splitlines():
            d = json.loads(line)
            pid = Path(d['file']).name.split('.')[0]
            if 'error' in d:
                errors += 1
            (wdir / (pid + '.txt')).write_text(d.get('text', ''), encoding='utf8')
        ws = score(scorer, wdir, gt, ids_file if ids_file.exists() else None)

        rt, texts = run_readability(files, reps)
        for f, t in texts.items():
            (rdir / (f.name.split('.')[0] + '.txt')).write_text(t, encoding='utf8')
        rs = score(scorer, rdir, gt, ids_file if ids_file.exists() else None)

    wps, rps = n / wt, n / rt
    print('pages: %d (%s)' % (n, bench))
    print('wirewatch extract: F1=%s P=%s R=%s acc=%s  %.1f pages/s  peak RSS %.1f MB  errors=%d'
          % (ws['F1'], ws['P'], ws['R'], ws['acc'], wps, rss / 1024.0, errors))
    print('readability-lxml:  F1=%s P=%s R=%s acc=%s  %.1f pages/s'
          % (rs['F1'], rs['P'], rs['R'], rs['acc'], rps))
    print('speed ratio wirewatch/readability-lxml: %.1fx' % (wps / rps))


if __name__ == '__main__':
    main()
