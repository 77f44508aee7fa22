#!/usr/bin/env bash
# A local replicated Redis with Sentinel (Debian's redis-server and redis-sentinel): a master,
# a replica and three sentinels on loopback ports, all under one directory.
#
#   deploy/redis-sentinel/cluster.sh install         apt-get the packages (CI runs this as root)
#   deploy/redis-sentinel/cluster.sh up DIR          start the five servers in DIR
#   deploy/redis-sentinel/cluster.sh url             the REDIS_URL Agora connects with
#   deploy/redis-sentinel/cluster.sh master DIR      the name (redis1, redis2) of the master now
#   deploy/redis-sentinel/cluster.sh kill DIR NAME   SIGKILL one server
#   deploy/redis-sentinel/cluster.sh rejoin DIR NAME restart it: the sentinels make it a replica
#   deploy/redis-sentinel/cluster.sh lose-unreplicated DIR NAME  freeze the replica 1.5 s
#                                    while master NAME takes writes, then kill NAME: what the
#                                    replica missed is gone when it is promoted
#   deploy/redis-sentinel/cluster.sh switchover DIR  SENTINEL FAILOVER: the master is demoted
#                                                    to a replica (its clients get READONLY)
#   deploy/redis-sentinel/cluster.sh down DIR        stop everything started in DIR
#
# Ports: REDIS_SENTINEL_PORT (default 6640) for redis1, +1 for redis2, +10..+12 for the
# sentinels. The master is "agora" to the sentinels (quorum 2 of 3). Timeouts are tightened
# (REDIS_SENTINEL_FAST=1, the default): a master is down after 1 s without an answer
# (Sentinel's default is 30 s), a failover may take 5 s (default 3 min).
set -euo pipefail
# shellcheck source=../cluster-lib.sh
source "$(dirname "$0")/../cluster-lib.sh"

BASE_PORT=${REDIS_SENTINEL_PORT:-6640}
FAST=${REDIS_SENTINEL_FAST:-1}
SERVICE=agora
SERVERS=(redis1 redis2)
SENTINELS=(sentinel1 sentinel2 sentinel3)

port_of() {
  case $1 in
    redis1) echo "$BASE_PORT" ;;
    redis2) echo $((BASE_PORT + 1)) ;;
    sentinel1) echo $((BASE_PORT + 10)) ;;
    sentinel2) echo $((BASE_PORT + 11)) ;;
    sentinel3) echo $((BASE_PORT + 12)) ;;
    *) echo "unknown server $1" >&2; exit 2 ;;
  esac
}


start_server() {
  local dir=$1 name=$2 port
  port=$(port_of "$name")
  mkdir -p "$dir/$name"
  local argv=(redis-server --port "$port" --bind 127.0.0.1 --dir "$dir/$name"
    --save "" --appendonly yes --appendfsync everysec)
  if [[ $name != redis1 && ! -f $dir/$name.started ]]; then
    argv+=(--replicaof 127.0.0.1 "$BASE_PORT")
  fi
  touch "$dir/$name.started"
  in_background "$dir" "$name" "${argv[@]}"
  wait_for "$name" 20 redis-cli -p "$port" ping
}

cmd_install() {
  command -v redis-sentinel >/dev/null && return 0  # installed already: no trip to the mirror
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends redis-server redis-sentinel
}

cmd_up() {
  local dir=$1
  command -v redis-sentinel >/dev/null || { echo "redis-sentinel missing: run '$0 install'" >&2; exit 2; }
  mkdir -p "$dir"
  for name in "${SERVERS[@]}"; do start_server "$dir" "$name"; done
  wait_for "replication" 30 replicated "$dir"
  local down=1000 failover=5000
  [[ $FAST == 1 ]] || { down=30000; failover=180000; }
  for name in "${SENTINELS[@]}"; do
    cat >"$dir/$name.conf" <<CONF
port $(port_of "$name")
bind 127.0.0.1
dir $dir
sentinel monitor $SERVICE 127.0.0.1 $BASE_PORT 2
sentinel down-after-milliseconds $SERVICE $down
sentinel failover-timeout $SERVICE $failover
sentinel parallel-syncs $SERVICE 1
CONF
    in_background "$dir" "$name" redis-sentinel "$dir/$name.conf"
  done
  for name in "${SENTINELS[@]}"; do
    wait_for "$name to see the replica and its peers" 30 sentinel_ready "$name"
  done
  echo "master: $(cmd_master "$dir")"
}

replicated() {
  [[ $(redis-cli -p "$BASE_PORT" info replication | tr -d '\r' | grep -c '^slave0:.*state=online') == 1 ]]
}

sentinel_ready() {
  local port
  port=$(port_of "$1")
  [[ $(redis-cli -p "$port" sentinel master "$SERVICE" | tr -d '\r' | sed -n '/^num-slaves$/{n;p}') -ge 1 ]] &&
    [[ $(redis-cli -p "$port" sentinel master "$SERVICE" | tr -d '\r' | sed -n '/^num-other-sentinels$/{n;p}') -ge 2 ]]
}

cmd_url() {
  echo "redis+sentinel://127.0.0.1:$(port_of sentinel1),127.0.0.1:$(port_of sentinel2),127.0.0.1:$(port_of sentinel3)/$SERVICE/0"
}

cmd_master() {
  local port
  port=$(redis-cli -p "$(port_of sentinel1)" sentinel get-master-addr-by-name "$SERVICE" | tail -1 | tr -d '\r')
  for name in "${SERVERS[@]}"; do
    if [[ $(port_of "$name") == "$port" ]]; then echo "$name"; fi
  done
}

cmd_kill() {
  local dir=$1 name=$2
  kill -KILL "$(cat "$dir/$name.pid")" 2>/dev/null || true
}

cmd_rejoin() {
  start_server "$1" "$2"  # restarted as it was; the sentinels reconfigure it as a replica
  wait_for "$2 to replicate the new master" 60 replica_online "$2"
}

replica_online() {
  redis-cli -p "$(port_of "$1")" info replication | tr -d '\r' | grep -q '^master_link_status:up'
}

cmd_lose_unreplicated() {
  local dir=$1 master=$2 replica
  for replica in "${SERVERS[@]}"; do [[ $replica != "$master" ]] && break; done
  kill -STOP "$(cat "$dir/$replica.pid")"
  sleep 1.5
  cmd_kill "$dir" "$master"
  kill -CONT "$(cat "$dir/$replica.pid")"
  local before=$master
  wait_for "the replica to be promoted" 30 master_is_not "$dir" "$before"
}

cmd_switchover() {
  local before
  before=$(cmd_master "$1")
  # refused (NOGOODSLAVE) until the sentinels have seen a rejoined replica healthy: they
  # read a replica's link state every 10 s, so a just-rejoined one can look down for that long
  # (and longer on a busy machine)
  if ! wait_for "the sentinels to start a failover" 60 failover_started "$1"; then
    echo "the sentinel's last answer: $(cat "$1/failover.reply")" >&2
    return 1
  fi
  wait_for "a new master" 60 master_is_not "$1" "$before"
  cmd_master "$1"
}

failover_started() {
  redis-cli -p "$(port_of sentinel1)" sentinel failover "$SERVICE" | tr -d '\r' >"$1/failover.reply"
  [[ $(cat "$1/failover.reply") == OK ]]
}

master_is_not() {
  [[ $(cmd_master "$1") != "$2" && -n $(cmd_master "$1") ]]
}

cmd_down() {
  local dir=$1
  for name in "${SENTINELS[@]}" "${SERVERS[@]}"; do
    [[ -f $dir/$name.pid ]] || continue
    kill -TERM "$(cat "$dir/$name.pid")" 2>/dev/null || true
    rm -f "$dir/$name.pid"
  done
}

dispatch "$@"
