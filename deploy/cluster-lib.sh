# Shared by deploy/*/cluster.sh (sourced): the local replicated-store drills' helpers.

# wait_for WHAT SECONDS COMMAND...: until COMMAND succeeds, or fail after SECONDS.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then echo "timed out waiting for $what" >&2; return 1; fi
    sleep 0.2
  done
}

# in_background DIR NAME COMMAND...: run COMMAND in its own session (so a kill of its process
# group ends all it started), output in DIR/NAME.log, its pid in DIR/NAME.pid.
in_background() {
  local dir=$1 name=$2; shift 2
  setsid "$@" >>"$dir/$name.log" 2>&1 < /dev/null &
  echo $! >"$dir/$name.pid"
}

# dispatch COMMAND ARGS...: run the script's cmd_COMMAND, or print its header comment.
dispatch() {
  local command=${1:-help}
  shift || true
  command=${command//-/_}
  if declare -F "cmd_$command" >/dev/null; then
    "cmd_$command" "$@"
  else
    sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
    exit 2
  fi
}
