#!/bin/bash
# Regenerates the DICOM test captures whose device attributes are written in
# a declared Specific Character Set (0008,0005): dcmtk's storescu sends a
# CT image to storescp over the loopback interface while tcpdump records it.
# The data sets are made with dump2dcm from dumps whose values hold the
# bytes of each character set (written by Python's codecs, an encoder
# independent of medsec's decoder). Names are fictional.
#
# Needs root (or CAP_NET_RAW) for tcpdump, and Debian packages dcmtk and
# tcpdump. Usage: bash capture/testdata/make-charset-captures.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
cp "$here/dicom/ct.dump" ct.dump

python3 - <<'PY'
# name, Specific Character Set, manufacturer, station name, model, encoder
sets = [
    ("utf8", "ISO_IR 192", "臺北示範醫療器材", "放射科CT一室", "掃描者 3000", lambda s: s.encode("utf-8")),
    ("gb18030", "GB18030", "示范医疗设备", "放射科CT二室", "扫描者 3000", lambda s: s.encode("gb18030")),
    ("iso2022-ir87", r"\ISO 2022 IR 87", "東京医療機器", "放射線科CT3", "走査者 3000", lambda s: s.encode("iso2022_jp")),
    ("iso2022-ir13-ir87", r"ISO 2022 IR 13\ISO 2022 IR 87", "ﾄｳｷｮｳ医療", "ｼｰﾃｨｰ4", "ｽｷｬﾅ 3000",
     lambda s: ir13_ir87(s)),
    ("iso2022-ir149", r"\ISO 2022 IR 149", "서울의료기기", "방사선과CT5", "스캐너 3000",
     lambda s: ir149(s)),
    ("latin1", "ISO_IR 100", "Médica Ibérica", "Radiología 6", "Escáner 3000", lambda s: s.encode("latin-1")),
]

def ir13_ir87(s):
    # JIS X 0201 katakana as single high bytes (G1), kanji by ESC $ B ... ESC ( J.
    out, kanji = b"", False
    for ch in s:
        if "\uff61" <= ch <= "\uff9f":
            if kanji:
                out += b"\x1b(J"; kanji = False
            out += bytes([0xa1 + ord(ch) - 0xff61])
        elif ord(ch) < 0x80:
            if kanji:
                out += b"\x1b(J"; kanji = False
            out += ch.encode()
        else:
            if not kanji:
                out += b"\x1b$B"; kanji = True
            out += bytes(b & 0x7f for b in ch.encode("euc_jp"))
    if kanji:
        out += b"\x1b(J"
    return out

def ir149(s):
    # KS X 1001 in G1: ESC $ ) C before each run of Hangul (PS3.5 Annex I).
    out, prev_kr = b"", False
    for ch in s:
        if ord(ch) < 0x80:
            out += ch.encode(); prev_kr = False
        else:
            if not prev_kr:
                out += b"\x1b$)C"; prev_kr = True
            out += ch.encode("euc_kr")
    return out

for name, scs, manu, station, model, enc in sets:
    with open("ct.dump") as f:
        base = f.read()
    lines = []
    for line in base.splitlines():
        if line.startswith("(0008,0070)"):
            line = b"(0008,0070) LO [" + enc(manu) + b"]"
        elif line.startswith("(0008,1010)"):
            line = b"(0008,1010) SH [" + enc(station) + b"]"
        elif line.startswith("(0008,1090)"):
            line = b"(0008,1090) LO [" + enc(model) + b"]"
        elif line.startswith("(0010,0010)"):
            line = b"(0010,0010) PN [FICTIONAL^CHARSET]"
        else:
            line = line.encode()
        lines.append(line)
        if line.startswith(b"(0008,0016)"):
            lines.append(b"(0008,0005) CS [" + scs.encode() + b"]")
    with open(name + ".dump", "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
PY

wait_port() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		if (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; then return 0; fi
		sleep 0.3
	done
	echo "port $1 did not open" >&2
	return 1
}

mkdir -p store
storescp --aetitle PACS01 -od store 11120 &
sp=$!
wait_port 11120
for name in utf8 gb18030 iso2022-ir87 iso2022-ir13-ir87 iso2022-ir149 latin1; do
	dump2dcm "$name.dump" "$name.dcm"
	tcpdump -i lo --immediate-mode -U -s 0 -w "$here/dicom-charset-$name.pcap" "tcp port 11120" 2>/dev/null &
	tp=$!
	sleep 1
	storescu -xi -aet CTSCAN7 -aec PACS01 127.0.0.1 11120 "$name.dcm"
	sleep 1
	kill -INT $tp
	wait $tp || true
done
kill $sp
ls -l "$here"/dicom-charset-*.pcap
