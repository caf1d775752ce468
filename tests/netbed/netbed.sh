#!/usr/bin/env bash
# netbed.sh: a test bed of Linux network namespaces joined by shaped links (see README.md here).
#
#   netbed.sh up NAME N RATE      N namespaces NAME-1..NAME-N, each joined by one veth link to the
#                                 bridge NAME-br, each link shaped to RATE (tc tbf) both ways
#   netbed.sh down NAME           remove the bed: processes in its namespaces, namespaces, links, bridge
#   netbed.sh cut NAME I          take namespace I's link down (both ends)
#   netbed.sh restore NAME I      bring it up again
#   netbed.sh exec NAME I CMD...  run CMD inside namespace I
#   netbed.sh address NAME I      print namespace I's IPv4 address
#   netbed.sh list                print the name of every bed on this machine, one a line
#   netbed.sh check NAME          check that every namespace reaches every other one
#
# Needs root. Addresses come from 198.18.0.0/15 only (RFC 2544's benchmarking range): a bed takes
# one /24 of it, 198.18.X.0/24 or 198.19.X.0/24, chosen from a hash of NAME and moved on to the next
# free one if another bed holds it; the bridge is .254, namespace i is .i. Everything is on one
# bridge in one subnet, so nothing is routed (ip_forward stays as it is).
set -euo pipefail

readonly STATE_DIR=/run/netbed
readonly LOCK_FILE=$STATE_DIR/lock
readonly BURST_MS=2           # the bucket holds 2 ms of the rate (see burst_bytes)
readonly MIN_BURST=65536      # at least one 64 KiB GSO packet, which tbf must never have to split
readonly LATENCY=20ms         # how long a packet may wait in the tbf queue (sets the queue's size)

die() { echo "netbed: $*" >&2; exit 1; }

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, veth, bridge, tc): run it as root"
    command -v ip >/dev/null || die "'ip' (iproute2) is missing"
    command -v tc >/dev/null || die "'tc' (iproute2) is missing"
}

check_name() {
    local name=$1
    [[ $name =~ ^[a-z][a-z0-9]*$ ]] || die "bed name '$name' must be lower-case letters and digits, starting with a letter"
    # The longest interface name is NAME-v99 or NAME-br: Linux allows 15 characters.
    (( ${#name} <= 11 )) || die "bed name '$name' is longer than 11 characters (interface names must stay within 15)"
}

check_index() {
    [[ $1 =~ ^[1-9][0-9]?$ ]] || die "namespace index '$1' must be 1..99"
}

bridge_of() { echo "$1-br"; }
host_veth_of() { echo "$1-v$2"; }
namespace_of() { echo "$1-$2"; }

# Bytes per second of a tc rate (kbit, mbit, gbit, bit, or bps-style kbps/mbps/gbps).
rate_bytes() {
    local rate=$1 number unit
    [[ $rate =~ ^([0-9]+)([a-zA-Z]*)$ ]] || die "rate '$rate' is not a number with a tc unit (e.g. 1gbit, 10gbit, 100mbit)"
    number=${BASH_REMATCH[1]}
    unit=${BASH_REMATCH[2],,}
    case $unit in
        bit|"") echo $(( number / 8 )) ;;
        kbit) echo $(( number * 1000 / 8 )) ;;
        mbit) echo $(( number * 1000000 / 8 )) ;;
        gbit) echo $(( number * 1000000000 / 8 )) ;;
        bps) echo "$number" ;;
        kbps) echo $(( number * 1000 )) ;;
        mbps) echo $(( number * 1000000 )) ;;
        gbps) echo $(( number * 1000000000 )) ;;
        *) die "rate unit '$unit' is not one of bit, kbit, mbit, gbit, bps, kbps, mbps, gbps" ;;
    esac
}

# The bucket. The classic rule is burst >= rate/HZ (tbf refilling once per timer tick); tbf's
# watchdog is a high-resolution timer on any recent kernel, so 2 ms of the rate is enough to reach
# it, and a small bucket keeps a link from passing more than that at full speed after an idle
# moment (W1 sends a ~2 MB tensor at a time, so a 1 MB bucket would let half of it through
# unshaped). 1gbit -> 250,000 bytes (~244 KiB), 10gbit -> 2,500,000 bytes; never below 64 KiB.
# Measured on this machine (HZ 250): 1gbit gives 0.96 Gbit/s of TCP, as with a 1 MB bucket.
burst_bytes() {
    local bytes
    bytes=$(( $(rate_bytes "$1") * BURST_MS / 1000 ))
    (( bytes < MIN_BURST )) && bytes=$MIN_BURST
    echo "$bytes"
}

# The subnet index 0..511 (198.18.0.0/24 .. 198.19.255.0/24) of a bed being created: a hash of the
# name, moved on while another interface on this machine already has an address in that subnet.
choose_subnet() {
    local name=$1 index tries=0 used
    index=$(( $(printf '%s' "$name" | cksum | cut -d' ' -f1) % 512 ))
    used=$(ip -4 -o addr show | awk '{print $4}')
    while grep -q "^$(subnet_prefix "$index")\." <<<"$used"; do
        index=$(( (index + 1) % 512 ))
        (( ++tries < 512 )) || die "every /24 of 198.18.0.0/15 is in use"
    done
    echo "$index"
}

subnet_prefix() { echo "198.$(( 18 + $1 / 256 )).$(( $1 % 256 ))"; }

namespaces_of() {
    ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$1-[0-9]+$" || true
}

shape() {
    local namespace=$1 device=$2 rate=$3 burst
    burst=$(burst_bytes "$rate")
    if [[ -n $namespace ]]; then
        ip netns exec "$namespace" tc qdisc replace dev "$device" root tbf rate "$rate" burst "$burst" latency "$LATENCY"
    else
        tc qdisc replace dev "$device" root tbf rate "$rate" burst "$burst" latency "$LATENCY"
    fi
}

# Bridged frames pass iptables' FORWARD chain when br_netfilter's bridge-nf-call-iptables is 1 (it
# is on many hosts, Docker sets it): a FORWARD policy of DROP would then silently drop the bed's
# traffic. With iptables present, an ACCEPT rule for frames within the bridge (removed by down);
# without it, nothing can have installed such rules (nft is checked the same way).
open_bridge_filter() {
    local bridge=$1 setting=/proc/sys/net/bridge/bridge-nf-call-iptables
    [[ -r $setting && $(cat "$setting") == 1 ]] || return 0
    if command -v iptables >/dev/null 2>&1; then
        iptables -C FORWARD -i "$bridge" -o "$bridge" -j ACCEPT 2>/dev/null \
            || iptables -I FORWARD -i "$bridge" -o "$bridge" -j ACCEPT
    fi
}

close_bridge_filter() {
    local bridge=$1
    if command -v iptables >/dev/null 2>&1; then
        while iptables -D FORWARD -i "$bridge" -o "$bridge" -j ACCEPT 2>/dev/null; do :; done
    fi
}

# Whether namespace `from` reaches `address`: ping where there is one; otherwise a TCP connection to
# port 9 (discard), which nothing in the bed listens on, must be refused at once (a reset came back)
# rather than time out.
reaches() {
    local from=$1 address=$2 result
    if command -v ping >/dev/null 2>&1; then
        ip netns exec "$from" ping -c 1 -W 2 "$address" >/dev/null 2>&1 && return 0
    fi
    result=$(ip netns exec "$from" timeout 3 bash -c "exec 3<>/dev/tcp/$address/9" 2>&1) && return 0
    [[ $result == *"refused"* ]]
}

cmd_up() {
    (( $# == 3 )) || usage
    local name=$1 count=$2 rate=$3 index prefix bridge i namespace veth try
    check_name "$name"
    [[ $count =~ ^[1-9][0-9]?$ ]] || die "namespace count '$count' must be 1..99"
    rate_bytes "$rate" >/dev/null
    mkdir -p "$STATE_DIR"
    exec 9>"$LOCK_FILE"
    flock 9
    bridge=$(bridge_of "$name")
    if ip link show "$bridge" >/dev/null 2>&1 || [[ -n $(namespaces_of "$name") ]]; then
        die "a bed named '$name' exists already: 'netbed.sh down $name' first"
    fi

    index=$(choose_subnet "$name")
    prefix=$(subnet_prefix "$index")
    # From here on, a failure (a command's, or die's) removes what was made so far.
    UP_NAME=$name UP_DONE=0
    trap 'if [[ $UP_DONE != 1 ]]; then cmd_down "$UP_NAME" >/dev/null 2>&1 || true; fi' EXIT
    ip link add "$bridge" type bridge
    # No IPv6 on the bed: no router solicitations or duplicate-address probes beside the test traffic.
    sysctl -qw "net.ipv6.conf.$bridge.disable_ipv6=1" 2>/dev/null || true
    ip addr add "$prefix.254/24" dev "$bridge"
    ip link set "$bridge" up
    open_bridge_filter "$bridge"
    for (( i = 1; i <= count; i++ )); do
        namespace=$(namespace_of "$name" "$i")
        veth=$(host_veth_of "$name" "$i")
        ip netns add "$namespace"
        ip -n "$namespace" link set lo up
        ip netns exec "$namespace" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
        ip netns exec "$namespace" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
        # A bed of this name removed a moment ago may still hold the name in the kernel (a
        # namespace's devices are unregistered after it is gone from the lists): try again a while.
        for try in $(seq 50); do
            ip link add "$veth" type veth peer name "$name-p$i" 2>/dev/null && break
            (( try < 50 )) || ip link add "$veth" type veth peer name "$name-p$i"
            sleep 0.1
        done
        sysctl -qw "net.ipv6.conf.$veth.disable_ipv6=1" 2>/dev/null || true
        ip link set "$name-p$i" netns "$namespace"
        ip -n "$namespace" link set "$name-p$i" name eth0
        ip -n "$namespace" addr add "$prefix.$i/24" dev eth0
        ip link set "$veth" master "$bridge"
        ip link set "$veth" up
        ip -n "$namespace" link set eth0 up
        # Egress of the namespace's end: traffic out of namespace i; egress of the bridge's end:
        # traffic into it.
        shape "$namespace" eth0 "$rate"
        shape "" "$veth" "$rate"
    done
    printf 'name=%s\ncount=%s\nrate=%s\nsubnet=%s.0/24\nburst=%s\n' \
        "$name" "$count" "$rate" "$prefix" "$(burst_bytes "$rate")" >"$STATE_DIR/$name.env"

    if (( count > 1 )); then
        for (( i = 1; i <= count; i++ )); do
            local j=$(( i % count + 1 ))
            reaches "$(namespace_of "$name" "$i")" "$prefix.$j" \
                || die "namespace $i of bed '$name' does not reach $prefix.$j (a firewall on the bridge? net.bridge.bridge-nf-call-iptables=$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo absent))"
        done
    fi
    UP_DONE=1
    echo "bed $name: $count namespace(s) $name-1..$name-$count at $prefix.1..$prefix.$count/24, bridge $bridge ($prefix.254), links at $rate each way (tbf burst $(burst_bytes "$rate") bytes, latency $LATENCY)"
}

cmd_down() {
    (( $# == 1 )) || usage
    local name=$1 namespace pid link links bridge
    check_name "$name"
    bridge=$(bridge_of "$name")
    for namespace in $(namespaces_of "$name"); do
        # Twice: a process may have started a child while the first round was killing.
        for _ in 1 2; do
            for pid in $(ip netns pids "$namespace" 2>/dev/null); do
                kill -KILL "$pid" 2>/dev/null || true
            done
        done
        for _ in $(seq 50); do
            [[ -z $(ip netns pids "$namespace" 2>/dev/null) ]] && break
            sleep 0.1
        done
        ip netns delete "$namespace" 2>/dev/null || true
    done
    # Deleting a namespace deletes its veth end and so the pair, but the kernel does it a moment
    # later: delete what is left, and wait until the names are free for the next bed of this name.
    for _ in $(seq 50); do
        links=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^$name-[vp][0-9]+$" || true)
        [[ -z $links ]] && break
        for link in $links; do
            ip link delete "$link" 2>/dev/null || true
        done
        sleep 0.1
    done
    close_bridge_filter "$bridge"
    ip link delete "$bridge" 2>/dev/null || true
    rm -f "$STATE_DIR/$name.env"
    echo "bed $name: down"
}

set_link() {
    local name=$1 index=$2 state=$3 namespace
    check_name "$name"
    check_index "$index"
    namespace=$(namespace_of "$name" "$index")
    ip netns list | awk '{print $1}' | grep -qx "$namespace" || die "bed '$name' has no namespace $index"
    ip link set "$(host_veth_of "$name" "$index")" "$state"
    ip -n "$namespace" link set eth0 "$state"
}

cmd_address() {
    (( $# == 2 )) || usage
    local name=$1 index=$2 namespace address
    check_name "$name"
    check_index "$index"
    namespace=$(namespace_of "$name" "$index")
    address=$(ip -n "$namespace" -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1)
    [[ -n $address ]] || die "bed '$name' has no namespace $index"
    echo "$address"
}

cmd_exec() {
    (( $# >= 3 )) || usage
    local name=$1 index=$2
    check_name "$name"
    check_index "$index"
    shift 2
    exec ip netns exec "$(namespace_of "$name" "$index")" "$@"
}

cmd_list() {
    { ip netns list 2>/dev/null | awk '{print $1}' | sed -nE 's/^([a-z][a-z0-9]*)-[0-9]+$/\1/p'
      ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | sed -nE 's/^([a-z][a-z0-9]*)-br$/\1/p'
    } | sort -u
}

cmd_check() {
    (( $# == 1 )) || usage
    local name=$1 namespaces from address failed=0
    check_name "$name"
    namespaces=$(namespaces_of "$name")
    [[ -n $namespaces ]] || die "no bed named '$name'"
    for from in $namespaces; do
        for to in $namespaces; do
            [[ $from == "$to" ]] && continue
            address=$(cmd_address "$name" "${to##*-}")
            if reaches "$from" "$address"; then
                echo "$from -> $to ($address): ok"
            else
                echo "$from -> $to ($address): UNREACHABLE"
                failed=1
            fi
        done
    done
    return "$failed"
}

main() {
    (( $# >= 1 )) || usage
    local command=$1
    shift
    case $command in
        up) need_root; cmd_up "$@" ;;
        down) need_root; cmd_down "$@" ;;
        cut) need_root; (( $# == 2 )) || usage; set_link "$1" "$2" down ;;
        restore) need_root; (( $# == 2 )) || usage; set_link "$1" "$2" up ;;
        exec) need_root; cmd_exec "$@" ;;
        address) cmd_address "$@" ;;
        list) cmd_list ;;
        check) need_root; cmd_check "$@" ;;
        help|-h|--help) usage ;;
        *) die "unknown command '$command' (up, down, cut, restore, exec, address, list, check)" ;;
    esac
}

main "$@"
