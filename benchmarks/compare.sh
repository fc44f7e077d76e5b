#!/usr/bin/env bash
# Runs BenchmarkCompare and prints the README's table; writes chart.svg.
# COUNT (default 6) runs per benchmark; the table shows medians.
set -euo pipefail
cd "$(dirname "$0")"
count="${COUNT:-6}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores; $(go version | cut -d' ' -f3-4)"
go test -run '^$' -bench Compare -benchmem -count "$count" . | tee "$out" >/dev/null
go run ./report -svg chart.svg <"$out"
