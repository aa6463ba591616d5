#!/usr/bin/env bash
# A throwaway local cluster: PostgreSQL 15, N CrsMonitor nodes (default 2) clustered on it, nginx in front, all on
# 127.0.0.1 on free ports, sharing one development signing key. Prints one line each:
#   lb=URL  node1=URL  node2=URL ...  token=COMMAND   (COMMAND --role nurse --unit 7W prints a token)
# Everything lives in ${CRSMONITOR_CLUSTER_DIR:-/tmp/crsmonitor-cluster}; `bash deploy/cluster/down.sh` stops it all
# and removes that folder. deploy/README.md ("The local cluster") describes each step.
#
# Environment: CRSMONITOR_CLUSTER_DIR (state folder); CRSMONITOR_CLUSTER_APP (a folder holding a built
# CrsMonitor.Service.dll to run instead of publishing, e.g. src/CrsMonitor.Service/bin/Release/net10.0); any
# Section__Key setting reaches every node (e.g. Alerts__RoundSettleMinutes=0).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

nodes=${1:-2}
[[ "$nodes" =~ ^[1-9]$ ]] || die "usage: up.sh [nodes 1-9] (got '$nodes')"
if [ -e "$state" ]; then
  die "$state exists (a cluster is up, or a failed one left it): run 'bash deploy/cluster/down.sh' first"
fi

# Debian packages, installed when missing (as tests/run.sh does): PostgreSQL 15 and nginx.
missing=()
[ -x "$pg_bin/initdb" ] || missing+=(postgresql)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if ((${#missing[@]})); then
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  say "installing ${missing[*]} (Debian packages)"
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is needed"

mkdir -p "$state"
chmod 755 "$state" # PostgreSQL (as user postgres when we are root) and nginx's workers reach their folders through it
touch "$state/$marker"
# A failed start leaves nothing running: down.sh stops what was started and removes the folder (logs are printed first).
trap 'status=$?; if [ $status -ne 0 ]; then say "start failed; stopping what was started (set CRSMONITOR_CLUSTER_KEEP=1 to keep $state)"; [ -n "${CRSMONITOR_CLUSTER_KEEP:-}" ] || bash "$here/down.sh" >&2; fi' EXIT

read -ra ports <<<"$(free_ports $((nodes + 2)))"
pg_port=${ports[0]} lb_port=${ports[1]} node_ports=("${ports[@]:2}")

# 1. PostgreSQL 15: its own data folder, trust authentication on 127.0.0.1 only, its socket in its folder.
say "PostgreSQL 15 on 127.0.0.1:$pg_port"
mkdir -p "$state/pg"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$state/pg"; fi
as_pg initdb -D "$state/pg/data" -U postgres -A trust -E UTF8 --locale=C >"$state/pg/initdb.log" 2>&1 \
  || { cat "$state/pg/initdb.log" >&2; die "initdb failed"; }
pg_start || { cat "$state/pg/server.log" >&2; die "PostgreSQL did not start"; }
# The two roles of deploy/database-roles.md: the owner migrates, the nodes run as the service role.
for sql in "CREATE ROLE crsmonitor_owner LOGIN" "CREATE ROLE crsmonitor_service LOGIN" "CREATE DATABASE crsmonitor OWNER crsmonitor_owner"; do
  "$pg_bin/psql" -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -c "$sql" >&2
done
owner_cs="Host=127.0.0.1;Port=$pg_port;Database=crsmonitor;Username=crsmonitor_owner"
service_cs="Host=127.0.0.1;Port=$pg_port;Database=crsmonitor;Username=crsmonitor_service"

# 2. The service: a given build output, else published once into $state/app.
if [ -n "${CRSMONITOR_CLUSTER_APP:-}" ]; then
  app=$(cd "$CRSMONITOR_CLUSTER_APP" && pwd)
  [ -f "$app/CrsMonitor.Service.dll" ] || die "CRSMONITOR_CLUSTER_APP=$app holds no CrsMonitor.Service.dll"
else
  app="$state/app"
  extra=(); command -v npm >/dev/null || { extra=(-p:DashboardBuild=false); say "no npm: publishing without the dashboard"; }
  say "dotnet publish src/CrsMonitor.Service -c Release -o $app (log: $state/publish.log)"
  dotnet publish "$repo/src/CrsMonitor.Service" -c Release -o "$app" "${extra[@]}" >"$state/publish.log" 2>&1 \
    || { tail -n 30 "$state/publish.log" >&2; die "publish failed"; }
fi

{
  printf 'nodes=%q\npg_port=%q\nlb_port=%q\napp=%q\nservice_cs=%q\nlb_url=%q\n' \
    "$nodes" "$pg_port" "$lb_port" "$app" "$service_cs" "http://127.0.0.1:$lb_port"
  for i in $(seq 1 "$nodes"); do printf 'node%d_port=%q\n' "$i" "${node_ports[$((i - 1))]}"; done
} >"$state/cluster.env"
. "$state/cluster.env"

# 3. Migrate once, as the owner, granting the service role what it needs (also creates Quartz's qrtz_* tables).
say "migrate (log: $state/migrate.log)"
(cd "$state" && dotnet "$app/CrsMonitor.Service.dll" migrate --Storage:Provider=postgres \
  --Storage:ConnectionString="$owner_cs" --Storage:ServiceRole=crsmonitor_service) >"$state/migrate.log" 2>&1 \
  || { cat "$state/migrate.log" >&2; die "migrate failed"; }

# 4. One development signing key for every node: made once by the token verb in $state/key, copied (owner-only) to
#    each node's data folder. The token command signs with the same file.
mkdir -m 700 "$state/key"
cat >"$state/token.sh" <<EOF
#!/usr/bin/env bash
# Prints a development token every node of the cluster accepts: token.sh --role nurse --unit 7W (see the token verb).
cd "$state" && CRSMONITOR_DATA="$state/key" exec dotnet "$app/CrsMonitor.Service.dll" token "\$@"
EOF
bash "$state/token.sh" --role admin >/dev/null || die "the token verb could not make the development key"
for i in $(seq 1 "$nodes"); do
  mkdir -p "$state/node$i" && mkdir -m 700 "$state/node$i/data"
  cp -p "$state/key/dev-signing-key.json" "$state/node$i/data/"
done

# 5. The nodes (clustered Quartz on PostgreSQL), started together, then each waited for. The caller's Section__Key
#    settings are kept for start-node.sh.
env -0 | grep -z -E '^[A-Za-z][A-Za-z0-9_.]*__[^=]*=' >"$state/settings.env0" || true
for i in $(seq 1 "$nodes"); do
  say "node$i on http://127.0.0.1:${node_ports[$((i - 1))]} (log: $state/node$i/service.log)"
  start_node "$i"
done
for i in $(seq 1 "$nodes"); do wait_ready "$i" 180; done

# 6. nginx as this user, with its own configuration, pid, logs and temporary files under $state/nginx; the server
#    block includes deploy/nginx/crsmonitor-locations.conf, the same file a hospital's site includes.
mkdir -p "$state/nginx/tmp"
user_line=
if [ "$(id -u)" = 0 ]; then
  user_line="user nobody nogroup;" # as root the workers still drop privileges
  chown nobody:nogroup "$state/nginx/tmp"
fi
{
  cat <<EOF
# Generated by deploy/cluster/up.sh for the local cluster; removed by down.sh.
$user_line
worker_processes 1;
pid $state/nginx/nginx.pid;
error_log $state/nginx/error.log warn;
events { worker_connections 1024; }
http {
    client_body_temp_path $state/nginx/tmp/body;
    proxy_temp_path $state/nginx/tmp/proxy;
    fastcgi_temp_path $state/nginx/tmp/fastcgi;
    uwsgi_temp_path $state/nginx/tmp/uwsgi;
    scgi_temp_path $state/nginx/tmp/scgi;
    log_format crsmonitor '\$remote_addr [\$time_local] "\$request_method \$uri \$server_protocol" \$status \$body_bytes_sent \$request_time "\$upstream_addr"';
    access_log $state/nginx/access.log crsmonitor;
    map \$http_upgrade \$connection_upgrade {
        default upgrade;
        ''      "";
    }
    upstream crsmonitor_nodes {
        least_conn;
EOF
  for i in $(seq 1 "$nodes"); do echo "        server 127.0.0.1:${node_ports[$((i - 1))]} max_fails=1 fail_timeout=10s;"; done
  cat <<EOF
        keepalive 32;
    }
    server {
        listen 127.0.0.1:$lb_port;
        server_name localhost;
        include $repo/deploy/nginx/crsmonitor-locations.conf;
    }
}
EOF
} >"$state/nginx/nginx.conf"
nginx_args=(-p "$state/nginx" -e "$state/nginx/error.log" -c "$state/nginx/nginx.conf")
/usr/sbin/nginx "${nginx_args[@]}" -t 2>"$state/nginx/check.log" || { cat "$state/nginx/check.log" >&2; die "nginx refused its configuration"; }
/usr/sbin/nginx "${nginx_args[@]}" </dev/null >/dev/null 2>&1 || { cat "$state/nginx/error.log" >&2; die "nginx did not start"; }
deadline=$((SECONDS + 30))
until curl -fs -o /dev/null --max-time 3 "$lb_url/health/ready"; do
  ((SECONDS < deadline)) || { cat "$state/nginx/error.log" >&2; die "nginx does not answer on $lb_url"; }
  sleep 0.2
done

trap - EXIT
echo "lb=$lb_url"
for i in $(seq 1 "$nodes"); do echo "node$i=http://127.0.0.1:${node_ports[$((i - 1))]}"; done
echo "token=bash $state/token.sh"
