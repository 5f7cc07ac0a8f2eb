# Sourced by the bench scripts: finds or builds gearbench, finds gearmand, and waits for a server's port.
# Sets HERE (the bench directory), GEARBENCH and GEARMAND.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GEARBENCH=${GEARBENCH:-/tmp/gearbench}
[ -x "$GEARBENCH" ] || gcc -O2 -pthread -o "$GEARBENCH" "$HERE/../../shared/bench/gearbench.c" || exit 2
GEARMAND=$(command -v gearmand || echo /usr/sbin/gearmand)

wait_port() { for _ in $(seq 1 150); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
