#!/usr/bin/env bash
# Starts node N of the running local cluster again (after it was stopped or killed) with the settings up.sh gave it,
# on the same port and data folder, and waits until it is ready: bash deploy/cluster/start-node.sh N
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ -f "$state/cluster.env" ] || die "no cluster at $state (run up.sh first)"
. "$state/cluster.env"
[[ "${1:-}" =~ ^[1-9]$ ]] && [ "$1" -le "$nodes" ] || die "usage: start-node.sh N (1..$nodes)"
start_node "$1"
wait_ready "$1" 180
port_var="node${1}_port"
echo "node$1=http://127.0.0.1:${!port_var}"
