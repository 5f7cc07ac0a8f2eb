#!/usr/bin/env bash
# queued-rss.sh BIN [ROUNDS] [JOBS] [SIZE]
#
# Memory held for queued background jobs, ours against gearmand, both with their in-memory queue (-q builtin) on
# fresh servers: gearbench bg-submit JOBS jobs of SIZE bytes with no workers, then the server's VmRSS once the
# submits are acknowledged, and `gearadmin --status` to show that every job is queued. Needs gearbench
# (GEARBENCH, or built from ../shared/bench), gearmand and gearadmin.
set -u
BIN=${1:?usage: queued-rss.sh BIN [ROUNDS] [JOBS] [SIZE]}
ROUNDS=${2:-2} JOBS=${3:-1000000} SIZE=${4:-100}
. "$(dirname "$0")/tools.sh"
PORT=4850

kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

echo "# queued-rss $(date -u +%FT%TZ) commit=$(git -C "$HERE" rev-parse --short HEAD) nproc=$(nproc) jobs=$JOBS size=$SIZE"
for round in $(seq 1 "$ROUNDS"); do
  for server in gearmand ours; do
    PORT=$((PORT + 1))
    if [ "$server" = gearmand ]; then "$GEARMAND" -L 127.0.0.1 -p $PORT -q builtin -l /dev/null & pid=$!
    else "$BIN" -L 127.0.0.1 -p $PORT -q builtin -l /dev/null & pid=$!; fi
    wait_port $PORT || { echo "round=$round server=$server status=no-listen"; kill $pid; continue; }
    base=$(kb $pid VmRSS)
    run=$("$GEARBENCH" bg-submit --host 127.0.0.1 --port $PORT --jobs "$JOBS" --size "$SIZE" --workers 0 --no-cleanup \
      --server-pid $pid 2>&1 | tail -1 | grep -o "jobs_per_s=[0-9.]*\|status=[a-z]*" | tr '\n' ' ')
    queued=$(timeout 60 gearadmin -h 127.0.0.1 -p $PORT --status | awk -F'\t' 'NF >= 2 {n += $2} END {print n + 0}')
    rss=$(kb $pid VmRSS) hwm=$(kb $pid VmHWM)
    echo "round=$round server=$server $run queued=$queued base_kb=$base rss_kb=$rss hwm_kb=$hwm bytes_per_job=$(( (rss - base) * 1024 / JOBS ))"
    kill $pid; wait $pid 2>/dev/null
  done
done
