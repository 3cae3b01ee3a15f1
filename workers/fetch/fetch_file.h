/* Local sources: file:// URLs (a plain file, a feed or sitemap) and WARC files, whose
 * records are read a slice at a time between loop turns.  They report through the
 * sink the stage gives them and know nothing else of the stage.  Internal to
 * workers/fetch. */
#ifndef WW_FETCH_FILE_H
#define WW_FETCH_FILE_H

#include <stdint.h>

#include "fetch_sink.h"

typedef struct ww__files ww__files;

/* The local sources of one stage, reporting to *sink (copied).  NULL on ENOMEM. */
ww__files *ww__files_new(const ww__sink *sink);
/* Teardown: WARC files still being read are closed and their requests freed
 * unfinished (the runtime abandons their jobs).  NULL is a no-op. */
void ww__files_free(ww__files *fs);
/* Read the file:// URL of r and finish r; a WARC file is opened and queued instead,
 * its records read by ww__files_step, which finishes r. */
void ww__files_read(ww__files *fs, freq *r);
/* 1 when WARC files are being read. */
int ww__files_busy(const ww__files *fs);
/* Read records of every queued WARC file for up to budget_us each, finishing the
 * files that end; returns how many are still being read. */
int ww__files_step(ww__files *fs, int64_t budget_us);

#endif
