#!/usr/bin/env bash
# A local PostgreSQL high-availability cluster with pg_auto_failover (Debian's
# postgresql-15-auto-failover): a monitor, a primary and a synchronous standby, each its own
# `pg_autoctl` service on a loopback port, run as the postgres user under one directory.
#
#   deploy/pg-failover/cluster.sh install        apt-get the packages (CI runs this as root)
#   deploy/pg-failover/cluster.sh up DIR         create and start the three nodes in DIR
#   deploy/pg-failover/cluster.sh url DIR        the multi-host URL Agora connects with
#   deploy/pg-failover/cluster.sh port DIR NODE  a node's port (monitor, node1, node2)
#   deploy/pg-failover/cluster.sh state DIR      pg_autoctl show state (who is primary)
#   deploy/pg-failover/cluster.sh primary DIR    the name of the node that is primary now
#   deploy/pg-failover/cluster.sh kill DIR NODE  SIGKILL a node's service and its PostgreSQL
#   deploy/pg-failover/cluster.sh rejoin DIR NODE  restart a killed node: it rejoins as a standby
#   deploy/pg-failover/cluster.sh down DIR       stop everything started in DIR
#
# Ports: PG_FAILOVER_PORT (default 6540) for the monitor, +1 and +2 for node1 and node2.
# Timeouts are tightened (PG_FAILOVER_FAST=1, the default) so a lost primary is replaced in
# seconds: the monitor checks each second and calls a node unhealthy after 3 s; a primary cut
# off from the monitor and its standby demotes itself after 3 s, so the monitor waits 5 s
# (not 30) before the promoted standby takes writes. PG_FAILOVER_FAST=0 keeps
# pg_auto_failover's defaults (a check each 5 s, unhealthy after 20 s, 30 s before writes).
set -euo pipefail
# shellcheck source=../cluster-lib.sh
source "$(dirname "$0")/../cluster-lib.sh"

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
BASE_PORT=${PG_FAILOVER_PORT:-6540}
FAST=${PG_FAILOVER_FAST:-1}
DBNAME=${PG_FAILOVER_DBNAME:-agora}
MONITOR_PORT=$BASE_PORT
NODES=(node1 node2)

port_of() {
  case $1 in
    monitor) echo "$MONITOR_PORT" ;;
    node1) echo $((BASE_PORT + 1)) ;;
    node2) echo $((BASE_PORT + 2)) ;;
    *) echo "unknown node $1" >&2; exit 2 ;;
  esac
}

# pg_autoctl keeps its state under XDG dirs: keep them inside DIR, not in postgres's home.
as_postgres() {
  local dir=$1; shift
  runuser -u postgres -- env PATH="$PGBIN:$PATH" HOME="$dir" \
    XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/share" XDG_RUNTIME_DIR="$dir/run" \
    PG_REGRESS_SOCK_DIR="" PGHOST=127.0.0.1 "$@"
}

monitor_uri() { echo "postgres://autoctl_node@127.0.0.1:$MONITOR_PORT/pg_auto_failover?sslmode=disable"; }

# A pg_autoctl service as the postgres user, in the background (cluster-lib.sh).
start_service() {
  local dir=$1 name=$2; shift 2
  in_background "$dir" "$name" runuser -u postgres -- env PATH="$PGBIN:$PATH" HOME="$dir" \
    XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/share" XDG_RUNTIME_DIR="$dir/run" "$@"
}

cmd_install() {
  command -v pg_autoctl >/dev/null && return 0  # installed already: no trip to the mirror
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql-15 postgresql-15-auto-failover
}

cmd_up() {
  local dir=$1
  command -v pg_autoctl >/dev/null || { echo "pg_autoctl missing: run '$0 install'" >&2; exit 2; }
  mkdir -p "$dir/config" "$dir/share" "$dir/run"
  chown -R postgres: "$dir"
  chmod 700 "$dir/run"

  start_service "$dir" monitor pg_autoctl create monitor --pgdata "$dir/monitor" \
    --pgport "$MONITOR_PORT" --hostname 127.0.0.1 --auth trust --no-ssl --pgctl "$PGBIN/pg_ctl" --run
  wait_for "the monitor" 60 as_postgres "$dir" psql -p "$MONITOR_PORT" -d pg_auto_failover -Atc "SELECT 1"
  if [[ $FAST == 1 ]]; then
    as_postgres "$dir" psql -q -p "$MONITOR_PORT" -d pg_auto_failover -v ON_ERROR_STOP=1 <<'SQL'
ALTER SYSTEM SET pgautofailover.health_check_period = 1000;
ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000;
ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1;
ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500;
ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 3000;
ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 5000;
SELECT pg_reload_conf() \g /dev/null
SQL
  fi

  for node in "${NODES[@]}"; do
    start_service "$dir" "$node" pg_autoctl create postgres --pgdata "$dir/$node" \
      --pgport "$(port_of "$node")" --hostname 127.0.0.1 --name "$node" --dbname "$DBNAME" \
      --listen 127.0.0.1 --auth trust --no-ssl --pgctl "$PGBIN/pg_ctl" \
      --monitor "$(monitor_uri)" --run
    # one at a time: the first becomes the primary, the second its standby
    wait_for "$node" 120 node_ready "$dir" "$node"
    if [[ $FAST == 1 ]]; then
      # below the monitor's primary_demote_timeout: an isolated primary steps down first
      as_postgres "$dir" pg_autoctl config set --pgdata "$dir/$node" \
        timeout.network_partition_timeout 3 >/dev/null
      as_postgres "$dir" pg_autoctl reload --pgdata "$dir/$node" >/dev/null
    fi
  done
  wait_for "synchronous replication" 60 synchronous "$dir"
  cmd_state "$dir"
}

node_ready() {
  local state
  state=$(as_postgres "$1" psql -p "$MONITOR_PORT" -d pg_auto_failover -Atc \
    "SELECT reportedstate FROM pgautofailover.node WHERE nodename = '$2'")
  [[ $state == primary || $state == single || $state == secondary || $state == wait_primary ]]
}

# The primary names its standby in synchronous_standby_names and the standby is 'sync'.
synchronous() {
  local primary
  primary=$(cmd_primary "$1")
  [[ $(as_postgres "$1" psql -p "$(port_of "$primary")" -d postgres -Atc \
    "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')") -ge 1 ]]
}

cmd_port() {
  port_of "$2"
}

cmd_url() {
  echo "postgresql+asyncpg://postgres@/$DBNAME?host=127.0.0.1:$(port_of node1)&host=127.0.0.1:$(port_of node2)&target_session_attrs=read-write"
}

cmd_state() {
  as_postgres "$1" pg_autoctl show state --pgdata "$1/monitor"
}

cmd_primary() {
  as_postgres "$1" psql -p "$MONITOR_PORT" -d pg_auto_failover -Atc \
    "SELECT nodename FROM pgautofailover.node WHERE reportedstate IN ('primary', 'wait_primary', 'single') AND goalstate IN ('primary', 'wait_primary', 'single') LIMIT 1"
}

cmd_kill() {
  local dir=$1 node=$2 pid postmaster=""
  pid=$(cat "$dir/$node.pid")
  [[ -f $dir/$node/postmaster.pid ]] && postmaster=$(head -1 "$dir/$node/postmaster.pid")
  # the service's whole session: pg_autoctl, its keeper and the PostgreSQL it supervises
  kill -KILL -- "-$pid" 2>/dev/null || true
  [[ -n $postmaster ]] && kill -KILL "$postmaster" 2>/dev/null || true
}

cmd_rejoin() {
  local dir=$1 node=$2
  start_service "$dir" "$node" pg_autoctl run --pgdata "$dir/$node"
  wait_for "$node to rejoin as a synchronous standby" 180 synchronous "$dir"
  cmd_state "$dir"
}

cmd_down() {
  local dir=$1 pid
  for name in "${NODES[@]}" monitor; do
    [[ -f $dir/$name.pid ]] || continue
    pid=$(cat "$dir/$name.pid")
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  sleep 2
  for name in "${NODES[@]}" monitor; do
    [[ -f $dir/$name.pid ]] || continue
    pid=$(cat "$dir/$name.pid")
    kill -KILL -- "-$pid" 2>/dev/null || true
    if [[ -f $dir/$name/postmaster.pid ]]; then
      kill -KILL "$(head -1 "$dir/$name/postmaster.pid")" 2>/dev/null || true
    fi
    rm -f "$dir/$name.pid"
  done
}

dispatch "$@"
