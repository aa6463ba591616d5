#!/usr/bin/env bash
# Stops the local cluster of up.sh (nginx, every node, PostgreSQL) and removes its folder
# ${CRSMONITOR_CLUSTER_DIR:-/tmp/crsmonitor-cluster}. Safe to run twice, and after a failed up.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ ! -e "$state" ]; then
  say "nothing to stop ($state does not exist)"
  exit 0
fi
# Only a folder up.sh made is removed (CRSMONITOR_CLUSTER_DIR could name anything).
[ -f "$state/$marker" ] || die "$state was not made by up.sh (no $marker): not touching it"
[ -f "$state/cluster.env" ] && . "$state/cluster.env"

# nginx first, so no new request reaches a stopping node; SIGTERM is its fast shutdown.
if [ -f "$state/nginx/nginx.pid" ]; then stop_pid nginx "$(cat "$state/nginx/nginx.pid")" nginx 10; fi
# The nodes (SIGTERM, as systemd stops them; SIGKILL after 15 s), in parallel.
for pidfile in "$state"/node*/pid; do
  [ -f "$pidfile" ] || continue
  node=$(basename "$(dirname "$pidfile")")
  stop_pid "$node" "$(cat "$pidfile")" CrsMonitor.Service.dll 15 &
done
wait
if [ -f "$state/pg/data/postmaster.pid" ]; then
  pg_stop fast 2>/dev/null || pg_stop immediate 2>/dev/null || say "PostgreSQL did not stop"
fi
rm -rf "$state"
say "stopped and removed $state"
