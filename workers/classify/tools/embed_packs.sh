#!/bin/sh
# Embed the language packs workers/classify/data/rules/<lang>.json and a table of them:
#   embed_packs.sh OUT.c [FILE ...]
# Each file becomes ww__data_pack_<lang> (through embed.sh) and one row of
# `ww__data_packs[]`, so adding a language is adding a file: no code, no Makefile edit.
set -eu
out=$1
shift
here=$(dirname "$0")
args=""
rows=""
for f in "$@"; do
    lang=$(basename "$f" .json)
    case $lang in
        [a-z][a-z]|[a-z][a-z][a-z]) ;;
        *) echo "embed_packs.sh: $f: the file name must be a language code (de.json)" >&2; exit 1 ;;
    esac
    args="$args ww__data_pack_$lang $f"
    rows="$rows    {\"$lang\", ww__data_pack_$lang, &ww__data_pack_${lang}_len},
"
done
# shellcheck disable=SC2086
"$here/embed.sh" "$out.body" $args
{
    cat "$out.body"
    echo '#include "lang_pack.h"'
    for f in "$@"; do
        lang=$(basename "$f" .json)
        echo "extern const unsigned char ww__data_pack_$lang[];"
        echo "extern const size_t ww__data_pack_${lang}_len;"
    done
    echo "const ww__pack_data ww__data_packs[] = {"
    printf '%s' "$rows"
    echo '    {0, 0, 0}};'
    echo "const size_t ww__data_npacks = $#;"
} > "$out.tmp"
rm -f "$out.body"
mv "$out.tmp" "$out"
