# Shared by up.sh, down.sh and start-node.sh (sourced, not run). Everything the cluster has lives under $state.
# Diagnostics go to stderr: up.sh's stdout is only its lb=/nodeN=/token= lines.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
state=${CRSMONITOR_CLUSTER_DIR:-/tmp/crsmonitor-cluster}
pg_bin=/usr/lib/postgresql/15/bin
marker=.crsmonitor-cluster

say() { echo "cluster: $*" >&2; }
die() { echo "cluster: $*" >&2; exit 1; }

# initdb and postgres refuse to run as root: as root the PostgreSQL binaries run as Debian's postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$pg_bin/$1" "${@:2}"; else "$pg_bin/$1" "${@:2}"; fi
}

# PostgreSQL of the cluster: start (waits until it accepts connections) and stop (fast: rolls back open transactions).
pg_start() {
  as_pg pg_ctl -D "$state/pg/data" -l "$state/pg/server.log" -w -t 60 \
    -o "-p $pg_port -k $state/pg -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
}
pg_stop() { as_pg pg_ctl -D "$state/pg/data" -m "${1:-fast}" -w -t 60 stop >/dev/null; }

# N free loopback ports, all held open at once while they are chosen so that none is given twice.
free_ports() {
  perl -MIO::Socket::INET -e '
    my @s = map { IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1, ReuseAddr => 1) or die "no free port: $!\n" } 1..$ARGV[0];
    print join(" ", map { $_->sockport } @s), "\n";' "$1"
}

# Whether pid $1 is alive and its command line contains $2 (a pid file may outlive its process and the pid be reused).
is_ours() {
  [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2"
}

# Starts node $1 from $state/cluster.env (written by up.sh) in its own session, output to node$1/service.log; no wait.
start_node() {
  local i=$1 port_var="node${1}_port"
  local port=${!port_var:?node $1 is not part of this cluster} dir="$state/node$1"
  if is_ours "$(cat "$dir/pid" 2>/dev/null)" CrsMonitor.Service.dll; then die "node$i is already running (pid $(cat "$dir/pid"))"; fi
  # The Section__Key settings up.sh was given (settings.env0, so a node started again keeps them), then every setting a
  # clustered PostgreSQL node needs (deploy/systemd/crsmonitor.env.example), which win.
  local extra=()
  [ -f "$state/settings.env0" ] && mapfile -d '' -t extra <"$state/settings.env0"
  (
    cd "$dir"
    exec setsid env "${extra[@]}" CRSMONITOR_DATA="$dir/data" \
      Storage__Provider=postgres Storage__ConnectionString="$service_cs" \
      Monitoring__Clustered=true Monitoring__SchedulerName=crsmonitor Proxy__TrustedNetworks__0=127.0.0.1/32 \
      ResearchExport__PseudonymKeyFile="$state/key/research-pseudonym.key" \
      dotnet "$app/CrsMonitor.Service.dll" --urls "http://127.0.0.1:$port" </dev/null >>"$dir/service.log" 2>&1
  ) &
  echo $! >"$dir/pid"
  echo "--- node$i started at $(date -u +%FT%T.%NZ), pid $!" >>"$dir/service.log"
}

# Waits (at most $2 s, default 120) until node $1 answers /health/ready with 200; fails with the end of its log.
wait_ready() {
  local i=$1 limit=${2:-120} port_var="node${1}_port" dir="$state/node$1"
  local deadline=$((SECONDS + limit))
  until curl -fs -o /dev/null --max-time 3 "http://127.0.0.1:${!port_var}/health/ready"; do
    if ! is_ours "$(cat "$dir/pid")" CrsMonitor.Service.dll; then
      tail -n 30 "$dir/service.log" >&2
      die "node$i exited before it was ready (log: $dir/service.log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$dir/service.log" >&2
      die "node$i not ready within ${limit} s (log: $dir/service.log)"
    fi
    sleep 0.5
  done
}

# Stops pid $2 (named $1; its command line must contain $3): SIGTERM, then SIGKILL after $4 s (default 15).
stop_pid() {
  local name=$1 pid=$2 match=$3 limit=${4:-15}
  is_ours "$pid" "$match" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  local deadline=$((SECONDS + limit))
  while is_ours "$pid" "$match"; do
    if ((SECONDS >= deadline)); then
      say "$name (pid $pid) did not stop within $limit s of SIGTERM: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
      return 0
    fi
    sleep 0.1
  done
}
