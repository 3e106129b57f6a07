#!/bin/sh
# Prints the three most frequent words of the given files (or stdin) with their counts.
cat "$@" | tr -cs 'A-Za-z' '\n' | tr 'A-Z' 'a-z' | grep -v '^$' | sort | uniq -c | sort -k1,1nr -k2 | head -n 3
