#!/usr/bin/env bash
# Stops or starts the local cluster's PostgreSQL, to watch the nodes through a database outage:
#   bash deploy/cluster/db.sh stop    (pg_ctl stop -m fast: open transactions are rolled back, clients disconnected)
#   bash deploy/cluster/db.sh start   (same port and data; returns once it accepts connections)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ -f "$state/cluster.env" ] || die "no cluster at $state (run up.sh first)"
. "$state/cluster.env"
case "${1:-}" in
  stop) pg_stop fast ;;
  start) pg_start ;;
  *) die "usage: db.sh stop|start" ;;
esac
