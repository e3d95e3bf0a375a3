#!/usr/bin/env bash
# Whole-process throughput of `kis-trader decode` and `kis-trader indicators`, one or more binaries side by
# side (alternating runs, so a noisy machine hurts all of them alike). Inputs are generated into a temporary
# folder: 400,000 captured H0STCNT0/H0STASP0 frames for decode, 1,000,000 random-walk bars for indicators.
#
#   scripts/bench-cli.sh target/release/kis-trader [other-kis-trader ...]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 KIS_TRADER_BINARY [MORE ...]" >&2; exit 2; }
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
samples="$here/testdata/kis-samples"
trade="$(head -n1 "$samples/captured_ws_H0STCNT0_005930_20260724.txt")"
book="$(head -n1 "$samples/captured_ws_H0STASP0_005930_145856.txt")"
awk -v t="$trade" -v b="$book" 'BEGIN { for (i = 0; i < 200000; i++) { print t; print b } }' > "$work/frames.txt"
awk 'BEGIN { srand(7); p = 100; print "ts,open,high,low,close,volume";
  for (i = 0; i < 1000000; i++) { o = p; p = p * (1 + (rand() - 0.5) / 50); h = (o > p ? o : p) * 1.002;
    l = (o < p ? o : p) * 0.998; printf "%d,%.4f,%.4f,%.4f,%.4f,%d\n", i, o, h, l, p, 1000 + int(rand() * 9000) } }' \
  > "$work/bars.csv"
seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
for round in 1 2 3; do
  for bin in "$@"; do
    d=$(seconds "$bin" decode < "$work/frames.txt")
    i=$(seconds "$bin" indicators --input "$work/bars.csv")
    printf 'round %d  %-40s decode %6.2f M records/s   indicators %6.2f M bars/s\n' "$round" "$bin" \
      "$(echo "0.4 / $d" | bc -l)" "$(echo "1.0 / $i" | bc -l)"
  done
done
