#!/bin/bash
# Benchmark of passive discovery (issue 5): builds a >= 1 GiB capture from
# the real sample captures (shared nDPI samples and capture/testdata, packets
# repeated with shifted addresses and timestamps), then measures on the same
# file, page cache warm:
#   raw read      dd if=FILE of=/dev/null bs=4M iflag=direct (from disk) and
#                 dd bs=1M (page cache)
#   medsec        medsec discover --json FILE (or bench/capture/discoverbench
#                 when the medsec binary has no discover command yet);
#                 includes SHA-256 of the file, flows, reassembly, decoders
#   tshark        tshark -r FILE -q -z conv,tcp (full dissection + TCP
#                 conversation table)
# and prints throughputs and ratios.
#
# Usage: bash bench/capture/run.sh [SIZE_BYTES] (default 1073741824)
# Env: BENCH_FILE (default /tmp/medsec-bench.pcap), SKIP_TSHARK=1.
# Never commit the generated file.
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${1:-1073741824}
file=${BENCH_FILE:-/tmp/medsec-bench.pcap}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT

go build -o "$bin/gencap" ./bench/capture/gencap
go build -o "$bin/discoverbench" ./bench/capture/discoverbench
disc=("$bin/discoverbench")
disc_name="discoverbench (capture.AnalyzeFiles)"
if go build -o "$bin/medsec" ./cmd/medsec 2>/dev/null &&
	"$bin/medsec" discover --json capture/testdata/hl7-nonstd.pcap >/dev/null 2>&1; then
	disc=("$bin/medsec" discover --json)
	disc_name="medsec discover --json"
fi

inputs=("${MEDSEC_SHARED_PCAP:-../shared/data/pcap}"/*.pcap capture/testdata/*.pcap)
if [ ! -f "$file" ] || [ "$(stat -c %s "$file")" -lt "$size" ]; then
	"$bin/gencap" -size "$size" -o "$file" "${inputs[@]}"
fi
bytes=$(stat -c %s "$file")
packets=$(capinfos -c -M "$file" 2>/dev/null | awk '/Number of packets/ {print $NF}' || true)
echo "file: $file, $bytes bytes, ${packets:-?} packets; $(nproc) cores; $(go version | awk '{print $3}')"

# secs CMD...: runs CMD, discarding output, and prints elapsed seconds.
secs() {
	local s e
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s.%N)
	echo "$e - $s" | bc -l
}
mbps() { echo "scale=1; $bytes / $1 / 1000000" | bc -l; }

direct=$(secs dd if="$file" of=/dev/null bs=4M iflag=direct)
echo "raw read (dd, O_DIRECT, disk): $(printf %.3f "$direct") s  $(mbps "$direct") MB/s"
cat "$file" >/dev/null # warm the page cache
raw=$(secs dd if="$file" of=/dev/null bs=1M)
echo "raw read (dd, page cache):    $(printf %.3f "$raw") s  $(mbps "$raw") MB/s"
best=""
for i in 1 2 3; do
	t=$(secs "${disc[@]}" "$file")
	if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done
echo "$disc_name, best of 3: $(printf %.3f "$best") s  $(mbps "$best") MB/s"
rss=$(/usr/bin/time -f %M "${disc[@]}" "$file" 2>&1 >/dev/null | tail -1 || true)
echo "  max RSS ${rss:-?} KB (includes the memory-mapped file)"
if [ "${SKIP_TSHARK:-0}" != 1 ] && command -v tshark >/dev/null; then
	ts=$(secs tshark -r "$file" -q -z conv,tcp)
	echo "tshark -q -z conv,tcp:       $(printf %.3f "$ts") s  $(mbps "$ts") MB/s"
	echo "ratio medsec/tshark speed:    $(echo "scale=1; $ts / $best" | bc -l)x faster"
fi
echo "ratio medsec/disk read:       $(echo "scale=2; $best / $direct" | bc -l)x the time of an O_DIRECT read of the file"
echo "ratio medsec/page-cache read:  $(echo "scale=1; $best / $raw" | bc -l)x the time of dd from the page cache"
echo "per packet:                    $(echo "scale=0; $best * 1000000000 / ${packets:-1}" | bc -l) ns (medsec, wall clock, SHA-256 on a second goroutine)"
