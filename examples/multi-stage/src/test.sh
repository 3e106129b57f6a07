#!/bin/sh
set -e
got="$(printf 'b a b c b a\n' | sh ./wordfreq.sh | tr -s ' ' | sed 's/^ //')"
want="$(printf '3 b\n2 a\n1 c')"
[ "$got" = "$want" ] || { echo "wordfreq test failed: $got"; exit 1; }
echo "wordfreq: tests pass"
