#!/usr/bin/env bash
# durable-bench.sh BIN [ROUNDS] [JOBS] [GEARMAND_JOBS]
#
# Durable background submits, interleaved per round on fresh servers and fresh data directories:
#   gearmand -q libsqlite3, gearman-actors -q sqlite, gearman-actors -q builtin.
# Each line is one gearbench bg-submit (4 clients x 64 in flight, 64-byte payloads, no cleanup); the second
# line per server ("warm") repeats the run on the same server. Then recovery: ours is SIGKILLed holding the
# submitted jobs and restarted on the same data directory; recovered_s is the time from process start until
# `status` counts every job. Needs gearbench (GEARBENCH, or built from ../shared/bench) and gearmand.
set -u
BIN=${1:?usage: durable-bench.sh BIN [ROUNDS] [JOBS] [GEARMAND_JOBS]}
ROUNDS=${2:-3} JOBS=${3:-200000} GJOBS=${4:-10000}
. "$(dirname "$0")/tools.sh"
WORK=$(mktemp -d /tmp/durable-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PORT=4820

fields() { grep -o "jobs_per_s=[0-9.]*\|p99_us=[0-9.]*\|srv_cpu_pct=[0-9]*\|other_cpu_pct=[0-9]*\|srv_rss_kb=[0-9]*\|status=[a-z]*" | tr '\n' ' '; }
submit() { "$GEARBENCH" bg-submit --host 127.0.0.1 --port "$1" --jobs "$2" --no-cleanup --max-seconds 120 --server-pid "$3" 2>&1 | tail -1 | fields; }

echo "# durable-bench $(date -u +%FT%TZ) commit=$(git -C "$HERE" rev-parse --short HEAD) nproc=$(nproc) jobs=$JOBS gearmand_jobs=$GJOBS"
for round in $(seq 1 "$ROUNDS"); do
  for server in gearmand-libsqlite3 ours-sqlite ours-builtin; do
    PORT=$((PORT + 1)); dir=$WORK/$server-$round; mkdir -p "$dir"
    case $server in
      gearmand-libsqlite3) "$GEARMAND" -L 127.0.0.1 -p $PORT -q libsqlite3 --libsqlite3-db "$dir/q.db" -l "$dir/log" & n=$GJOBS ;;
      ours-sqlite) "$BIN" -L 127.0.0.1 -p $PORT -q sqlite --data-dir "$dir" > "$dir/log" 2>&1 & n=$JOBS ;;
      ours-builtin) "$BIN" -L 127.0.0.1 -p $PORT -q builtin > "$dir/log" 2>&1 & n=$JOBS ;;
    esac
    pid=$!
    wait_port $PORT || { echo "round=$round server=$server did not start"; kill -9 $pid; continue; }
    echo "round=$round server=$server run=fresh jobs=$n $(submit $PORT $n $pid)"
    echo "round=$round server=$server run=warm jobs=$n $(submit $PORT $n $pid)"
    if [ "$server" = ours-sqlite ]; then
      kill -9 $pid; wait $pid 2>/dev/null
      echo "round=$round server=$server recovery $(python3 "$HERE/recovery-time.py" "$BIN" "$dir" $((PORT + 100)) $((2 * n)))"
    else
      kill $pid; wait $pid 2>/dev/null
    fi
  done
done
