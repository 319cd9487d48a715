#!/usr/bin/env bash
# Interop suite: the xep-* crates against real XMPP servers on loopback.
#
# Installs Prosody 0.12 and ejabberd 23.01 from Debian's packages when missing (without
# leaving their system services running), builds the suite, then for each server:
# writes its configuration into a temporary directory (loopback, unprivileged ports,
# no TLS, no s2s), registers the test accounts with the server's own admin tool,
# starts it in the foreground as its unprivileged package user, waits for its port,
# runs every case (one line each) and stops it by its process group, whatever happens.
#
# Needs root, or passwordless sudo, for apt-get and for running the servers as their
# package users. Environment:
#   INTEROP_SERVERS   servers to test, default "prosody ejabberd"
#   INTEROP_ONLY      run only the cases whose name contains this text
#   INTEROP_KEEP=1    keep the temporary directory (configurations, logs)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
started=$SECONDS
servers="${INTEROP_SERVERS:-prosody ejabberd}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

say() { echo "interop: $*"; }
die() { echo "interop: error: $*" >&2; exit 1; }
elapsed() { echo "$((SECONDS - ${1:-$started}))s"; }

if [ "$(id -u)" = 0 ]; then
    SUDO=()
else
    command -v sudo >/dev/null && sudo -n true 2>/dev/null \
        || die "needs root or passwordless sudo (apt-get, running the servers as their users)"
    SUDO=(sudo -n)
fi

# --- packages -------------------------------------------------------------------------

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

install_packages() {
    local missing=() pkg
    for pkg in prosody ejabberd; do
        installed "$pkg" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local t=$SECONDS policy=/usr/sbin/policy-rc.d made_policy=""
    say "installing ${missing[*]} from Debian's packages"
    # The packages' maintainer scripts start their services through invoke-rc.d; a
    # policy-rc.d that answers 101 forbids it. Put one in place only if none is there.
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# interop/run.sh: no service starts during package installation\nexit 101\n' \
            | "${SUDO[@]}" tee "$policy" >/dev/null
        "${SUDO[@]}" chmod 755 "$policy"
        made_policy=1
    fi
    local log status=0 epmd_before
    epmd_before=" $( (pgrep -x epmd || true) | tr '\n' ' ') "
    log=$(mktemp)
    { "${SUDO[@]}" apt-get update -qq \
        && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; } \
        >"$log" 2>&1 || status=$?
    [ -n "$made_policy" ] && "${SUDO[@]}" rm -f "$policy"
    if [ "$status" -ne 0 ]; then
        tail -n 30 "$log"
        rm -f "$log"
        die "apt-get install ${missing[*]} failed"
    fi
    rm -f "$log"
    # A policy-rc.d that was already there may allow starts, and systemd may start
    # units anyway: stop whatever the installation started.
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
        "${SUDO[@]}" systemctl disable --now prosody ejabberd >/dev/null 2>&1 || true
    elif [ -z "$made_policy" ] && command -v service >/dev/null; then
        for pkg in "${missing[@]}"; do
            if "${SUDO[@]}" service "$pkg" status >/dev/null 2>&1; then
                say "stopping the $pkg service its installation started"
                "${SUDO[@]}" timeout 60 service "$pkg" stop >/dev/null 2>&1 || true
            fi
        done
    fi
    # ejabberd's maintainer scripts run ejabberdctl, whose Erlang starts an epmd
    # daemon as the ejabberd user; stop the one this installation started.
    local pid
    for pid in $(pgrep -u ejabberd -x epmd 2>/dev/null || true); do
        case "$epmd_before" in
            *" $pid "*) ;;
            *)
                say "stopping epmd (pid $pid), left running by the ejabberd installation"
                "${SUDO[@]}" kill "$pid" 2>/dev/null || true
                ;;
        esac
    done
    say "installed ${missing[*]} in $(elapsed "$t")"
}

install_packages
command -v erlc >/dev/null || die "erlc not found (package erlang-base)"

# --- build ----------------------------------------------------------------------------

t=$SECONDS
say "building the suite and the xep command"
# Not --locked: a crate of the main workspace that gains a dependency must not break
# this run. The committed interop/Cargo.lock still pins every version it lists; a
# lock file that needed new entries is reported below.
cargo build --quiet --manifest-path interop/Cargo.toml --target-dir "$target_dir"
if command -v git >/dev/null && ! git diff --quiet -- interop/Cargo.lock 2>/dev/null; then
    say "note: interop/Cargo.lock was out of date and has been updated; commit it"
fi
cargo build --quiet --locked -p xep-cli --target-dir "$target_dir"
interop_bin="$target_dir/debug/interop"
xep_bin="$target_dir/debug/xep"
say "built in $(elapsed "$t")"

# --- a scratch directory, ports, cleanup ----------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/xep-interop.XXXXXX")
chmod 755 "$work"
# The running server: its process group (it runs under setsid) and the command that
# asks it to stop.
current_pg=""
current_stop=""

stop_current() {
    if [ -n "$current_stop" ]; then
        timeout 20 bash -c "$current_stop" >/dev/null 2>&1 || true
    fi
    if [ -n "$current_pg" ]; then
        "${SUDO[@]}" kill -TERM -- "-$current_pg" 2>/dev/null || true
        for _ in $(seq 1 50); do
            "${SUDO[@]}" kill -0 -- "-$current_pg" 2>/dev/null || break
            sleep 0.2
        done
        "${SUDO[@]}" kill -KILL -- "-$current_pg" 2>/dev/null || true
    fi
    current_pg=""
    current_stop=""
    # Safety net: any process still running from this run's own directory (its
    # command line names the unique mktemp path) is one this script started.
    local pid
    for pid in $(pgrep -f -- "$work/" 2>/dev/null || true); do
        [ "$pid" = "$$" ] && continue
        say "stopping leftover process $pid: $(ps -o args= -p "$pid" 2>/dev/null | cut -c1-100)"
        "${SUDO[@]}" kill -KILL "$pid" 2>/dev/null || true
    done
}

cleanup() {
    local status=$?
    stop_current
    if [ "${INTEROP_KEEP:-}" = 1 ]; then
        say "kept $work"
    else
        "${SUDO[@]}" rm -rf "$work"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Sets $port to a loopback port nobody accepts on (free enough for a test) and not
# handed out before. Not in a subshell, so that it remembers what it handed out.
used_ports=" "
pick_port() {
    local p
    for _ in $(seq 1 100); do
        # Below Linux's ephemeral range (32768-60999), where outgoing connections take
        # their local ports.
        p=$((20000 + RANDOM % 12000))
        case "$used_ports" in *" $p "*) continue ;; esac
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            used_ports="$used_ports$p "
            port=$p
            return 0
        fi
    done
    die "no free port found"
}

# Waits (bounded) until 127.0.0.1:$2 accepts, while process $1 lives (the process,
# not its group: right after the fork the group may not exist yet). Returns 1 when
# the process exited, 2 when the time ran out.
wait_port() {
    local pid=$1 port=$2 seconds=$3
    for _ in $(seq 1 $((seconds * 5))); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        "${SUDO[@]}" kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.2
    done
    return 2
}

show_logs() {
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        echo "---- last lines of $f"
        "${SUDO[@]}" tail -n 40 "$f"
    done
}

# Runs "$@" as system user $1 (with HOME in the server's directory).
as_user() {
    local user=$1 home=$2
    shift 2
    "${SUDO[@]}" env HOME="$home" setpriv --reuid="$user" --regid="$user" --init-groups "$@"
}

# --- the servers ----------------------------------------------------------------------

total_passed=0 total_failed=0 total_skipped=0 broken=()

# Runs the cases against the server described in $1/target.json.
run_cases() {
    local dir=$1 name=$2 out status=0
    out="$dir/cases.log"
    "$interop_bin" run --target "$dir/target.json" --xep "$xep_bin" ${INTEROP_ONLY:+--only "$INTEROP_ONLY"} \
        | tee "$out" || status=$?
    local summary
    summary=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" "$out" | tail -n 1 || true)
    if [ -z "$summary" ]; then
        broken+=("$name: the runner stopped without a summary (exit $status)")
        return 1
    fi
    read -r p f s < <(echo "$summary" | sed -E 's/^[^:]+: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')
    total_passed=$((total_passed + p))
    total_failed=$((total_failed + f))
    total_skipped=$((total_skipped + s))
    return "$status"
}

start_prosody() {
    local dir="$work/prosody" c2s http pg version
    "${SUDO[@]}" rm -rf "$dir"
    mkdir -p "$dir"
    pick_port && c2s=$port
    pick_port && http=$port
    "$interop_bin" setup --server prosody --dir "$dir" --c2s-port "$c2s" --http-port "$http"
    "${SUDO[@]}" chown -R prosody:prosody "$dir"
    version=$("${SUDO[@]}" prosodyctl --config "$dir/prosody.cfg.lua" about 2>/dev/null | head -n 1)
    say "server: $version (Debian package prosody $(dpkg-query -W -f='${Version}' prosody))"
    local user host password
    while read -r user host password; do
        "${SUDO[@]}" timeout 30 prosodyctl --config "$dir/prosody.cfg.lua" register "$user" "$host" "$password" \
            </dev/null >/dev/null
    done <"$dir/accounts"
    # Not a process group leader, so setsid makes a new group without forking: $! is
    # the group.
    setsid "${SUDO[@]}" setpriv --reuid=prosody --regid=prosody --init-groups \
        prosody -F --config "$dir/prosody.cfg.lua" >"$dir/stdout.log" 2>&1 &
    pg=$!
    current_pg=$pg
    local waited=0
    wait_port "$pg" "$c2s" 30 || waited=$?
    if [ "$waited" -ne 0 ]; then
        show_logs "$dir/stdout.log" "$dir/prosody.log"
        if [ "$waited" -eq 1 ]; then
            say "prosody exited before accepting connections on 127.0.0.1:$c2s"
        else
            say "prosody did not accept connections on 127.0.0.1:$c2s within 30s"
        fi
        return 1
    fi
    say "prosody listening on 127.0.0.1:$c2s"
}

start_ejabberd() {
    local dir="$work/ejabberd" c2s http dist pg ebin include
    "${SUDO[@]}" rm -rf "$dir"
    mkdir -p "$dir"
    pick_port && c2s=$port
    pick_port && http=$port
    pick_port && dist=$port
    "$interop_bin" setup --server ejabberd --dir "$dir" --c2s-port "$c2s" --http-port "$http" --dist-port "$dist"
    ebin=$(ls -d /usr/lib/*/ejabberd-*/ebin 2>/dev/null | head -n 1)
    include=$(ls -d /usr/lib/erlang/lib/p1_xmpp-*/include 2>/dev/null | head -n 1)
    [ -n "$ebin" ] && [ -n "$include" ] || die "ejabberd's ebin or p1_xmpp's include directory not found"
    erlc -pa "$ebin" -I "$include" -o "$dir/ebin" "$dir/src/mod_interop.erl"
    # ejabberd looks for its translations beside its configuration directory.
    ln -s "$(dirname "$ebin")/priv" "$dir/priv"
    "${SUDO[@]}" chown -R ejabberd:ejabberd "$dir"
    say "server: ejabberd (Debian package ejabberd $(dpkg-query -W -f='${Version}' ejabberd))"
    local ctl
    ctl="ejabberdctl --config-dir $dir --ctl-config $dir/ejabberdctl.cfg --config $dir/ejabberd.yml --spool $dir/spool --logs $dir/log"
    # ejabberdctl, run as the ejabberd user, starts Erlang directly (no su), so the
    # whole server stays in the process group that setsid makes here.
    setsid "${SUDO[@]}" env HOME="$dir/home" \
        setpriv --reuid=ejabberd --regid=ejabberd --init-groups $ctl foreground >"$dir/stdout.log" 2>&1 &
    pg=$!
    current_pg=$pg
    current_stop="$(printf '%q ' "${SUDO[@]}" env HOME="$dir/home" setpriv --reuid=ejabberd --regid=ejabberd --init-groups) $ctl stop"
    local waited=0
    wait_port "$pg" "$c2s" 60 || waited=$?
    if [ "$waited" -ne 0 ]; then
        show_logs "$dir/stdout.log" "$dir/log/ejabberd.log" "$dir/log/error.log"
        if [ "$waited" -eq 1 ]; then
            say "ejabberd exited before accepting connections on 127.0.0.1:$c2s"
        else
            say "ejabberd did not accept connections on 127.0.0.1:$c2s within 60s"
        fi
        return 1
    fi
    # Each ejabberdctl call starts an Erlang VM (seconds): run them side by side.
    as_user ejabberd "$dir/home" timeout 30 $ctl status </dev/null >"$dir/status.out" 2>&1 &
    local status_pid=$! user host password pids=()
    while read -r user host password; do
        as_user ejabberd "$dir/home" timeout 30 $ctl register "$user" "$host" "$password" \
            </dev/null >/dev/null &
        pids+=($!)
    done <"$dir/accounts"
    local pid failed=0
    for pid in "${pids[@]}"; do
        wait "$pid" || failed=1
    done
    wait "$status_pid" || true
    say "server: $(tail -n 1 "$dir/status.out")"
    if [ "$failed" -ne 0 ]; then
        show_logs "$dir/log/ejabberd.log"
        say "ejabberdctl register failed"
        return 1
    fi
    say "ejabberd listening on 127.0.0.1:$c2s"
}

for server in $servers; do
    t=$SECONDS
    case "$server" in
        prosody | ejabberd) ;;
        *) die "unknown server $server" ;;
    esac
    say "==> $server"
    # A server that does not come up (its log tail is shown) gets one more try, in a
    # new directory with other ports; then it fails the run.
    started_ok=""
    for attempt in 1 2; do
        if "start_$server"; then
            started_ok=1
            break
        fi
        stop_current
        [ "$attempt" = 1 ] && say "$server: trying once more"
    done
    if [ -n "$started_ok" ]; then
        run_cases "$work/$server" "$server" || true
    else
        broken+=("$server did not come up (twice); see the log tails above")
    fi
    # Stop it now rather than at exit, so the next server has the machine.
    stop_current
    say "$server done in $(elapsed "$t")"
done

for problem in "${broken[@]}"; do
    echo "interop: FAILED: $problem"
done
say "total time $(elapsed)"
echo "interop: $total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
