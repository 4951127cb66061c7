#!/bin/bash
# Line-rate benchmark of a sensor's live discovery (issue 17): replays a capture built from
# the real sample captures (bench/capture/gencap: the shared nDPI samples and the dcmtk/HL7
# captures of capture/testdata, repeated with shifted addresses) with tcpreplay at set
# rates into one end of a veth pair in a network namespace this script creates, while
# "medsec discover --interface" (the live capture code "medsec sensor --interface" runs)
# captures on the other end, and reports the packets sent, captured and lost per rate.
# Needs root (network namespace, AF_PACKET) and tcpreplay.
#
# Usage: bash bench/sensor/run.sh [SIZE_BYTES] (default 300000000)
# Env: RATES (Mbit/s, default "100 500 1000"), BENCH_FILE (default /tmp/medsec-sensor-bench.pcap),
# MEDSEC_BIN (a medsec binary to measure instead of one built from this tree, e.g. to
# compare two builds in the same minutes).
# Never commit the generated file.
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-300000000}
file=${BENCH_FILE:-/tmp/medsec-sensor-bench.pcap}
rates=${RATES:-100 500 1000}
ns=medsec-bench-$$
bin=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$bin"; }
trap cleanup EXIT

go build -o "$bin/gencap" ./bench/capture/gencap
if [ -n "${MEDSEC_BIN:-}" ]; then
	cp "$MEDSEC_BIN" "$bin/medsec"
else
	go build -o "$bin/medsec" ./cmd/medsec
fi
inputs=("${MEDSEC_SHARED_PCAP:-../shared/data/pcap}"/*.pcap capture/testdata/*.pcap)
if [ ! -f "$file" ] || [ "$(stat -c %s "$file")" -lt "$size" ]; then
	"$bin/gencap" -size "$size" -o "$file" "${inputs[@]}"
fi
packets=$(capinfos -c -M "$file" | awk '/Number of packets/ {print $NF}')
bytes=$(stat -c %s "$file")
echo "capture: $bytes bytes, $packets packets; $(nproc) cores; $(go version | awk '{print $3}'); load $(cut -d' ' -f1-3 /proc/loadavg)"

ip netns add "$ns"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link add replay type veth peer name span
ip -n "$ns" link set replay mtu 9000 up
ip -n "$ns" link set span mtu 9000 up
cat "$file" >/dev/null # page cache

printf "%-10s %-10s %-10s %-10s %-8s %-12s %s\n" "Mbit/s" "sent" "captured" "lost" "lost %" "replay time" "not sent by tcpreplay"
for rate in $rates; do
	secs=$(echo "$bytes * 8 / ($rate * 1000000) + 4" | bc)
	out=$(mktemp)
	ip netns exec "$ns" "$bin/medsec" discover --interface span --duration "${secs}s" >"$out" 2>/dev/null &
	cap=$!
	sleep 1
	rep=$(ip netns exec "$ns" tcpreplay -i replay --mbps "$rate" "$file" 2>&1)
	wait "$cap"
	sent=$(echo "$rep" | awk '/Successful packets/ {print $NF}')
	failed=$(echo "$rep" | awk '/Failed packets/ {print $NF}')
	took=$(echo "$rep" | awk '/Actual:/ {for (i=1;i<=NF;i++) if ($i=="seconds") print $(i-1)}')
	got=$(head -1 "$out" | awk '{print $1}')
	lost=$((sent - got))
	printf "%-10s %-10s %-10s %-10s %-8s %-12s %s\n" "$rate" "$sent" "$got" "$lost" "$(echo "scale=2; 100 * $lost / $sent" | bc)" "$took s" "$failed"
	rm -f "$out"
done
