#!/bin/bash
# Named-peer comparison of a sensor's passive classifier (issue 17): runs medsec's
# discovery ("medsec discover --json FILE": flow tracking, TCP reassembly, every decoder,
# the DICOM/HL7 identities — what "medsec sensor --pcap" runs) and nDPI's ndpiReader
# (Debian libndpi-bin: flow tracking and protocol classification) on the same capture in
# the same run, and optionally tshark (full dissection, TCP conversation table), and
# reports for each the wall time, the CPU time (user + system), packets per second of CPU
# and the ratio of medsec's CPU time to nDPI's (the issue's goal: at most 0.5).
#
# Two captures, rebuilt from the real captures by bench/capture/gencap (packets repeated
# with shifted addresses and timestamps):
#   small  the shared nDPI samples (../shared/data/pcap) and the dcmtk/HL7 captures of
#          capture/testdata: many short conversations, small packets (as bench/sensor/run.sh)
#   bulk   only the DICOM C-STORE and C-FIND/C-MOVE captures of capture/testdata
#          (dicom-store-*.pcap, dicom-qr.pcap, dicom-charset-*.pcap): full-size segments
#          of image transfers
#
# Usage: bash bench/sensor/peer.sh [SIZE_BYTES] (default 100000000 per capture)
# Env: CAPTURES ("small bulk"), SKIP_TSHARK=1, RUNS (best of, default 3),
# BENCH_DIR (default /tmp) for the generated files. Never commit them.
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-100000000}
runs=${RUNS:-3}
dir=${BENCH_DIR:-/tmp}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
command -v ndpiReader >/dev/null || { echo "ndpiReader not found: apt-get install libndpi-bin" >&2; exit 1; }

CGO_ENABLED=0 go build -o "$bin/gencap" ./bench/capture/gencap
CGO_ENABLED=0 go build -o "$bin/medsec" ./cmd/medsec
shared=${MEDSEC_SHARED_PCAP:-../shared/data/pcap}
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(go version | awk '{print $3}'); $(ndpiReader -h 2>&1 | awk '/Welcome/ {print $3, $4}'); load $(cut -d' ' -f1-3 /proc/loadavg)"

# cpu CMD...: runs CMD, output discarded, and prints "wall user+sys" in seconds.
cpu() {
	/usr/bin/time -f "%e %U %S" -o "$bin/time" "$@" >/dev/null 2>&1 || true
	awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$bin/time"
}
# best CMD...: the run of $runs with the least CPU time.
best() {
	local b="" r
	for _ in $(seq "$runs"); do
		r=$(cpu "$@")
		if [ -z "$b" ] || [ "$(echo "$r" | awk -v b="$b" '{split(b, x, " "); print ($2 < x[2])}')" = 1 ]; then b=$r; fi
	done
	echo "$b"
}

for kind in ${CAPTURES:-small bulk}; do
	file=$dir/medsec-peer-$kind.pcap
	case $kind in
	small) inputs=("$shared"/*.pcap capture/testdata/*.pcap) ;;
	bulk) inputs=(capture/testdata/dicom-store-*.pcap capture/testdata/dicom-qr.pcap capture/testdata/dicom-charset-*.pcap) ;;
	esac
	if [ ! -f "$file" ] || [ "$(stat -c %s "$file")" -lt "$size" ]; then
		"$bin/gencap" -size "$size" -o "$file" "${inputs[@]}" >/dev/null
	fi
	packets=$(capinfos -c -M "$file" | awk '/Number of packets/ {print $NF}')
	bytes=$(stat -c %s "$file")
	cat "$file" >/dev/null # page cache
	echo
	echo "capture $kind: $file, $bytes bytes, $packets packets, $((bytes / packets)) bytes a packet"
	printf "%-34s %9s %9s %14s\n" "" "wall s" "CPU s" "packets/CPU s"
	m=$(best "$bin/medsec" discover --json "$file")
	n=$(best ndpiReader -q -i "$file")
	row() { echo "$2" | awk -v name="$1" -v p="$packets" '{printf "%-34s %9.2f %9.2f %14.0f\n", name, $1, $2, p / $2}'; }
	row "medsec discover --json" "$m"
	row "ndpiReader -q -i" "$n"
	if [ "${SKIP_TSHARK:-0}" != 1 ] && command -v tshark >/dev/null; then
		row "tshark -q -z conv,tcp (1 run)" "$(cpu tshark -r "$file" -q -z conv,tcp)"
	fi
	echo "$m $n" | awk '{printf "medsec CPU time / nDPI CPU time: %.2f (goal <= 0.5); packets/s ratio medsec/nDPI (CPU): %.2f\n", $2 / $4, $4 / $2}'
done
