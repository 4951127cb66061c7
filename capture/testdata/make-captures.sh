#!/bin/bash
# Regenerates the small test captures in this directory from real traffic on
# the loopback interface: dcmtk (storescu/storescp, echoscu, findscu against
# wlmscpfs) for DICOM and python3-hl7's mllp_send against a tiny MLLP
# listener for HL7. All device and patient attributes are fictional; the
# tests check that the patient names never appear in medsec's output.
#
# Needs root (or CAP_NET_RAW) for tcpdump, and Debian packages dcmtk,
# tcpdump, python3-hl7 and tshark (editcap, for the pcapng copy).
# Usage: bash capture/testdata/make-captures.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"

# capture NAME FILTER CMD...: runs CMD while tcpdump records FILTER on lo
# (or on IFACE with link type LINKTYPE when those are set).
capture() {
	name=$1 filter=$2
	shift 2
	tcpdump -i "${IFACE:-lo}" ${LINKTYPE:+-y $LINKTYPE} --immediate-mode -U -s 0 -w "$here/$name" "$filter" 2>/dev/null &
	tp=$!
	sleep 1
	"$@"
	sleep 1
	kill -INT $tp
	wait $tp || true
}

wait_port() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		if (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; then return 0; fi
		sleep 0.3
	done
	echo "port $1 did not open" >&2
	return 1
}

dump2dcm "$here/dicom/ct.dump" ct.dcm
mkdir -p store wl/MEDSECWL
dump2dcm "$here/dicom/worklist.dump" wl/MEDSECWL/item1.wl
touch wl/MEDSECWL/lockfile
dump2dcm "$here/dicom/query.dump" query.dcm

# DICOM storage, implicit VR, standard port, plus C-ECHO.
storescp --aetitle PACS01 -od store +xi 11112 &
sp=$!
wait_port 11112
capture dicom-store-implicit.pcap "tcp port 11112" sh -c '
	echoscu -aet CTSCAN7 -aec PACS01 127.0.0.1 11112
	storescu -xi -aet CTSCAN7 -aec PACS01 127.0.0.1 11112 ct.dcm'
kill $sp

# DICOM storage, explicit VR, non-standard port.
storescp --aetitle ARCHIVE9 -od store +xe 40404 &
sp=$!
wait_port 40404
capture dicom-store-explicit-nonstd.pcap "tcp port 40404" \
	storescu -xe -aet CTSCAN7 -aec ARCHIVE9 127.0.0.1 40404 ct.dcm
kill $sp

# Modality worklist query.
wlmscpfs -dfp wl --enable-file-reject 30104 &
sp=$!
wait_port 30104
capture dicom-worklist.pcap "tcp port 30104" \
	findscu -W -aet MRSCAN2 -aec MEDSECWL 127.0.0.1 30104 query.dcm
kill $sp

# Association rejected: storescp refusing every association.
storescp --aetitle BUSYPACS --refuse 11113 &
sp=$!
wait_port 11113
capture dicom-reject.pcap "tcp port 11113" sh -c 'echoscu -aet CTSCAN7 -aec BUSYPACS 127.0.0.1 11113 || true'
kill $sp

# Query/retrieve against dcmqrscp: the image is stored into the archive
# (not captured), then C-FIND, C-MOVE (to a storescp) and C-GET are captured.
mkdir -p qrdb moved got
cat > qr.cfg <<CFG
NetworkTCPPort = 11114
MaxPDUSize = 16384
MaxAssociations = 16
HostTable BEGIN
viewer = (VIEWER1, 127.0.0.1, 40405)
qrclient = (QRCLIENT, 127.0.0.1, 40406)
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
QRSCP $work/qrdb RW (10, 64mb) ANY
AETable END
CFG
dcmqrscp -c qr.cfg 11114 &
qp=$!
storescp --aetitle VIEWER1 -od moved 40405 &
vp=$!
wait_port 11114
wait_port 40405
storescu -aet CTSCAN7 -aec QRSCP 127.0.0.1 11114 ct.dcm
study="StudyInstanceUID=1.2.826.0.1.3680043.9.7777.1"
capture dicom-qr.pcap "tcp port 11114 or tcp port 40405" sh -c "
	findscu -S -aet QRCLIENT -aec QRSCP -k QueryRetrieveLevel=STUDY -k $study -k PatientName 127.0.0.1 11114
	movescu -S -aet QRCLIENT -aec QRSCP -aem VIEWER1 -k QueryRetrieveLevel=STUDY -k $study 127.0.0.1 11114
	getscu -S -aet QRCLIENT -aec QRSCP -od got -k QueryRetrieveLevel=STUDY -k $study 127.0.0.1 11114"
kill $qp $vp

# HL7 v2 over MLLP: an ADT and an ORU message, standard port and a
# non-standard one. The listener answers each message with an ACK.
cat > listener.py <<'PY'
import socket, sys
port = int(sys.argv[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(5)
while True:
    c, _ = s.accept()
    buf = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        buf += d
        while b"\x1c\x0d" in buf:
            msg, buf = buf.split(b"\x1c\x0d", 1)
            msg = msg.lstrip(b"\x0b")
            msh = msg.split(b"\r")[0].split(b"|")
            ack = (b"MSH|^~\\&|LABSYS|FICTLAB|" + msh[2] + b"|" + msh[3] +
                   b"|20260101120000||ACK^" + msh[8].split(b"^")[1] + b"|ACK" + msh[9] + b"|P|2.5\r" +
                   b"MSA|AA|" + msh[9] + b"\r")
            c.sendall(b"\x0b" + ack + b"\x1c\x0d")
    c.close()
PY
printf 'MSH|^~\\&|ADTAPP|FICTHOSP|LABSYS|FICTLAB|20260101120000||ADT^A01^ADT_A01|MSG00001|P|2.5\rEVN|A01|20260101120000\rPID|1||PID-TEST-HL7^^^FICT||FICTIONAL^HL7PATIENT||19700101|F\rPV1|1|I|WARD1^101^1\r' > adt.hl7
printf 'MSH|^~\\&|MONITOR-GW|ICU-3|LABSYS|FICTLAB|20260101120500||ORU^R01^ORU_R01|MSG00002|P|2.6\rPID|1||PID-TEST-HL7^^^FICT||FICTIONAL^HL7PATIENT\rOBR|1||OBS1|8867-4^Heart rate^LN\rOBX|1|NM|8867-4^Heart rate^LN||72|/min|||||F\r' > oru.hl7
for port in 2575 7001 7002 7003; do
	python3 listener.py $port &
	wait_port $port
done
capture hl7-mllp.pcap "tcp port 2575" sh -c "
	/usr/bin/python3 /usr/bin/mllp_send --loose --file adt.hl7 --port 2575 127.0.0.1
	/usr/bin/python3 /usr/bin/mllp_send --loose --file oru.hl7 --port 2575 127.0.0.1"
capture hl7-nonstd.pcap "tcp port 7001" \
	/usr/bin/python3 /usr/bin/mllp_send --loose --file oru.hl7 --port 7001 127.0.0.1

# The same over Linux cooked captures (tcpdump -i any): SLL2 and SLL.
IFACE=any LINKTYPE=LINUX_SLL2 capture hl7-sll2.pcap "tcp port 7002" \
	/usr/bin/python3 /usr/bin/mllp_send --loose --file adt.hl7 --port 7002 127.0.0.1
IFACE=any LINKTYPE=LINUX_SLL capture hl7-sll.pcap "tcp port 7003" \
	/usr/bin/python3 /usr/bin/mllp_send --loose --file oru.hl7 --port 7003 127.0.0.1

# A pcapng copy with nanosecond timestamps, for the pcapng path.
editcap -F pcapng --set-tsprec 9 "$here/dicom-store-explicit-nonstd.pcap" "$here/dicom-store-explicit-nonstd.pcapng" 2>/dev/null ||
	editcap -F pcapng "$here/dicom-store-explicit-nonstd.pcap" "$here/dicom-store-explicit-nonstd.pcapng"
ls -l "$here"/*.pcap*
