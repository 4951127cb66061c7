#!/usr/bin/env python3
# Regenerates the committed fuzz seed corpora (capture/*/testdata/fuzz/Fuzz*/seed-*)
# from the real test captures, using tshark to extract TCP/UDP payloads.
# Usage: cd capture && python3 testdata/make-fuzz-seeds.py
import subprocess, os, sys
# The shared sample captures sit beside the repository (../shared), or where MEDSEC_SHARED_PCAP says.
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PCAP = os.environ.get('MEDSEC_SHARED_PCAP', os.path.join(REPO, '..', 'shared', 'data', 'pcap'))
def q(b):
    out = []
    for c in b:
        if c == 0x22: out.append('\\"')
        elif c == 0x5c: out.append('\\\\')
        elif 0x20 <= c < 0x7f: out.append(chr(c))
        else: out.append('\\x%02x' % c)
    return '"' + ''.join(out) + '"'
def write(pkg, target, name, *vals):
    d = os.path.join(pkg, 'testdata', 'fuzz', target)
    os.makedirs(d, exist_ok=True)
    lines = ['go test fuzz v1']
    for v in vals:
        if isinstance(v, bytes): lines.append('[]byte(%s)' % q(v))
        elif isinstance(v, bool): lines.append('bool(%s)' % ('true' if v else 'false'))
        elif isinstance(v, int): lines.append('uint8(%d)' % v)
        elif isinstance(v, str): lines.append('string(%s)' % q(v.encode()))
    open(os.path.join(d, name), 'w').write('\n'.join(lines) + '\n')
def payloads(f, filt, field):
    out = subprocess.run(['tshark', '-r', f, '-Y', filt, '-T', 'fields', '-e', 'tcp.srcport', '-e', field], capture_output=True, text=True).stdout
    res = []
    for l in out.splitlines():
        p = l.split('\t')
        if len(p) == 2 and p[1]:
            res.append((p[0], bytes.fromhex(p[1].replace(':', ''))))
    return res
def streams(f, port):
    a, b = b'', b''
    for sp, p in payloads(f, 'tcp.len>0', 'tcp.payload'):
        if sp == str(port): b += p
        else: a += p
    return a, b
# pcap / pcapng: whole small files
for n in ['hl7-nonstd.pcap', 'hl7-mllp.pcap']:
    write('pcapfile', 'FuzzPcap', 'seed-' + n, open('testdata/' + n, 'rb').read())
write('pcapfile', 'FuzzPcapNG', 'seed-bacnet', open(os.path.join(PCAP, 'bacnet.pcap'), 'rb').read())
write('pcapfile', 'FuzzPcapNG', 'seed-dicom', open('testdata/dicom-store-explicit-nonstd.pcapng', 'rb').read()[:6000])
# dicom
for n, port in [('dicom-store-implicit.pcap', 11112), ('dicom-store-explicit-nonstd.pcap', 40404), ('dicom-worklist.pcap', 30104)]:
    a, b = streams('testdata/' + n, port)
    write('dicom', 'FuzzConn', 'seed-' + n, a, b, 13)
    write('dicom', 'FuzzAssociation', 'seed-rq-' + n, a[6:6+int.from_bytes(a[2:6], 'big')], True)
    write('dicom', 'FuzzAssociation', 'seed-ac-' + n, b[6:6+int.from_bytes(b[2:6], 'big')], False)
# hl7
for n, port in [('hl7-mllp.pcap', 2575), ('hl7-nonstd.pcap', 7001)]:
    a, b = streams('testdata/' + n, port)
    write('hl7', 'FuzzHL7', 'seed-req-' + n, a, 5)
    write('hl7', 'FuzzHL7', 'seed-ack-' + n, b, 200)
a, b = streams(os.path.join(PCAP, 'hl7.pcap'), 6661)
write('hl7', 'FuzzHL7', 'seed-shared-hl7', a, 1)
# appproto from gnutella
g = os.path.join(PCAP, 'gnutella.pcap')
i = 0
for sp, p in payloads(g, 'tls.handshake', 'tcp.payload')[:6]:
    write('appproto', 'FuzzTLS', 'seed-gnutella-%d' % i, p); i += 1
def udp(filt):
    out = subprocess.run(['tshark', '-r', g, '-Y', filt, '-T', 'fields', '-e', 'udp.payload'], capture_output=True, text=True).stdout
    return [bytes.fromhex(l.replace(':', '')) for l in out.splitlines() if l]
for j, p in enumerate(udp('dns or mdns or llmnr')[:6]): write('appproto', 'FuzzDNS', 'seed-gnutella-%d' % j, p)
for j, p in enumerate(udp('dhcp')[:3]): write('appproto', 'FuzzDHCP', 'seed-gnutella-%d' % j, p)
for j, p in enumerate(payloads(g, 'http.request or http.response', 'tcp.payload')[:4]): write('appproto', 'FuzzHTTP', 'seed-gnutella-%d' % j, p[1])
for n in ['modbus', 'dnp3', 's7comm', 'ethernetIP']:
    ps = payloads(os.path.join(PCAP, n + '.pcap'), 'tcp.len>0', 'tcp.payload')
    if ps: write('appproto', 'FuzzIdentify', 'seed-' + n, ps[0][1])
a, b = streams('testdata/dicom-store-implicit.pcap', 11112)
i = a.find(b'\x08\x00\x16\x00\x1a\x00\x00\x00')
write('dicom', 'FuzzDataSet', 'seed-implicit', a[i:i+600], '1.2.840.10008.1.2')
j = a.find(b'\x00\x00\x00\x00\x04\x00\x00\x00')
write('dicom', 'FuzzCommand', 'seed-echo-rq', a[j:j+90])
j2 = b.find(b'\x00\x00\x00\x00\x04\x00\x00\x00')
write('dicom', 'FuzzCommand', 'seed-echo-rsp', b[j2:j2+90])
a, b = streams('testdata/dicom-store-explicit-nonstd.pcap', 40404)
i = a.find(b'\x08\x00\x16\x00UI')
write('dicom', 'FuzzDataSet', 'seed-explicit', a[i:i+600], '1.2.840.10008.1.2.1')
# FuzzAnalyzer: frames of real captures as (link index, length, frame) records.
import struct
def frames(path):
    d = open(path, 'rb').read()
    end = '<' if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    off, out = 24, []
    while off + 16 <= len(d):
        _, _, incl, _ = struct.unpack(end + 'IIII', d[off:off+16])
        out.append(d[off+16:off+16+incl]); off += 16 + incl
    return out
for n in ['hl7-nonstd.pcap', 'dicom-worklist.pcap']:
    rec = b''.join(bytes([1]) + struct.pack('>H', len(f)) + f for f in frames('testdata/' + n))
    write('.', 'FuzzAnalyzer', 'seed-' + n, rec)
