#!/bin/bash
# Wall time of what `make demo` runs (issues 21 and 22): quiet with the default --jobs and with
# --jobs 1, then the same while two single-threaded NumPy loops keep both cores busy.
# Run from the repository root with .venv present: bash benchmarks/demo_time.sh
set -u
ROOT=$(pwd)
R=$(make -s -f - print <<<'include Makefile
print:
	@echo $(DEMO_RECIPES)')
U=$ROOT/.venv/bin/unskew
W=$(mktemp -d)
cd "$W"
echo "commit $(git -C "$ROOT" rev-parse --short HEAD) $(date -Is) load $(cut -d' ' -f1-3 /proc/loadavg)"
t() { local name=$1; shift; /usr/bin/time -f "$name: wall %e s, user %U s, sys %S s" "$@" > /dev/null 2> err.txt; tail -1 err.txt; }
t "profile" "$U" profile
t "quiet, --jobs default" "$U" compare seed-hard --strategies "$R" --out q2
t "quiet, --jobs 1" "$U" compare seed-hard --strategies "$R" --jobs 1 --out q1
busy() { OMP_NUM_THREADS=1 "$ROOT/.venv/bin/python" -c "
import numpy as np
a = np.random.rand(300, 300)
while True:
    a = a @ a
    a /= a.max()
" & }
busy; P1=$!; busy; P2=$!
sleep 2
t "loaded, --jobs default" "$U" compare seed-hard --strategies "$R" --out l2
t "loaded, --jobs 1" "$U" compare seed-hard --strategies "$R" --jobs 1 --out l1
kill $P1 $P2
rm -rf "$W"
