#!/usr/bin/python3
"""Writes the tunnel test captures in testdata/tunnels/: one HL7 v2 conversation
(10.40.7.21 -> 10.40.7.5:2575, ORU^R01 and its ACK) as a switch mirrors it through
each encapsulation medsec decapsulates. Built with scapy (Debian python3-scapy), an
encoder independent of medsec's decoder; capture/tunnel_test.go checks every file
with tshark too. All names are fictional; the OBX value is the marker the tests
look for in medsec's output ("Heart rate" must never appear).

It also writes the fuzz seeds of the tunnel decoders: each capture's frames as one
FuzzAnalyzer input, and its HL7 message frame as a FuzzDecodeFrame input.

Usage: /usr/bin/python3 capture/testdata/make-tunnel-captures.py
"""
import os

from scapy.all import (GRE, IP, IPv6, TCP, UDP, VXLAN, Ether, Raw, load_contrib,
                       wrpcap)

load_contrib("erspan")
load_contrib("mpls")
from scapy.contrib.erspan import (ERSPAN_II, ERSPAN_III,  # noqa: E402
                                  ERSPAN_PlatformSpecific)
from scapy.contrib.mpls import MPLS  # noqa: E402

TESTDATA = os.path.dirname(os.path.abspath(__file__))
HERE = os.path.join(TESTDATA, "tunnels")
T0 = 1764496800  # 2025-11-30 10:00:00 UTC

CLI, SRV = "10.40.7.21", "10.40.7.5"
CMAC, SMAC = "02:00:00:00:07:21", "02:00:00:00:07:05"
MSG = ("\x0bMSH|^~\\&|LABSYS|EXAMPLE_HOSP|HIS|EXAMPLE_HOSP|20251130100000||ORU^R01^ORU_R01|"
       "MSG0701|P|2.5.1\rPID|1||PID-TEST||FICTIONAL^PATIENT\rOBX|1|NM|8867-4^Heart rate||72|/min\r\x1c\r").encode()
ACK = ("\x0bMSH|^~\\&|HIS|EXAMPLE_HOSP|LABSYS|EXAMPLE_HOSP|20251130100001||ACK^R01^ACK|ACK0701|P|2.5.1\r"
       "MSA|AA|MSG0701\r\x1c\r").encode()


def conversation():
    """The inner frames: handshake, message, ACK, close (Ethernet/IPv4/TCP)."""
    c, s = 1000, 5000
    out = []

    def seg(frm, flags, payload=b""):
        nonlocal c, s
        if frm == "c":
            p = Ether(src=CMAC, dst=SMAC) / IP(src=CLI, dst=SRV) / TCP(sport=50100, dport=2575, flags=flags, seq=c, ack=s)
        else:
            p = Ether(src=SMAC, dst=CMAC) / IP(src=SRV, dst=CLI) / TCP(sport=2575, dport=50100, flags=flags, seq=s, ack=c)
        if payload:
            p = p / Raw(payload)
        step = len(payload) + (1 if "S" in flags or "F" in flags else 0)
        if frm == "c":
            c += step
        else:
            s += step
        out.append(p)

    seg("c", "S")
    seg("s", "SA")
    seg("c", "A")
    seg("c", "PA", MSG)
    seg("s", "PA", ACK)
    seg("c", "FA")
    seg("s", "FA")
    seg("c", "A")
    return out


def quote(b):
    """Go's quoted []byte literal of b, as the fuzz corpus files write it."""
    out = []
    for c in b:
        if c == 0x22:
            out.append('\\"')
        elif c == 0x5c:
            out.append('\\\\')
        elif 0x20 <= c < 0x7f:
            out.append(chr(c))
        else:
            out.append('\\x%02x' % c)
    return '"' + "".join(out) + '"'


def seed(target, name, *values):
    d = os.path.join(TESTDATA, "fuzz", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "w") as f:
        f.write("go test fuzz v1\n")
        for v in values:
            f.write("[]byte(%s)\n" % quote(v))


def write(name, wrap):
    frames = []
    for i, inner in enumerate(conversation()):
        p = wrap(inner)
        p.time = T0 + i / 1000
        frames.append(p)
    wrpcap(os.path.join(HERE, name), frames)
    # FuzzAnalyzer: records of link type index 1 (Ethernet), length, frame.
    recs = b"".join(b"\x01" + len(bytes(p)).to_bytes(2, "big") + bytes(p) for p in frames)
    base = name.removesuffix(".pcap")
    seed("FuzzAnalyzer", "seed-" + base, recs)
    seed("FuzzDecodeFrame", "seed-" + base, b"\x01" + bytes(frames[3]))


SW, SENSOR = "192.0.2.1", "192.0.2.50"
SWMAC, SENSMAC = "02:aa:00:00:00:01", "02:aa:00:00:00:50"


def outer4(proto_layers):
    return Ether(src=SWMAC, dst=SENSMAC) / IP(src=SW, dst=SENSOR) / proto_layers


def main():
    os.makedirs(HERE, exist_ok=True)
    # ERSPAN type III (GRE 0x22eb), session 7, frame type Ethernet.
    write("erspan-type3-hl7.pcap", lambda p: outer4(
        GRE(proto=0x22eb, seqnum_present=1, sequence_number=1) /
        ERSPAN_III(ver=2, vlan=30, session_id=7, timestamp=0x1234, ft=0, o=0) / p))
    # ERSPAN type III with the optional platform-specific subheader.
    write("erspan-type3-platform-hl7.pcap", lambda p: outer4(
        GRE(proto=0x22eb, seqnum_present=1, sequence_number=1) /
        ERSPAN_III(ver=2, session_id=8, ft=0, o=1) / ERSPAN_PlatformSpecific(platf_id=3) / p))
    # ERSPAN type II over IPv6.
    write("erspan-type2-ipv6-hl7.pcap", lambda p: (
        Ether(src=SWMAC, dst=SENSMAC) / IPv6(src="2001:db8::1", dst="2001:db8::50") /
        GRE(proto=0x88be, seqnum_present=1, sequence_number=1) / ERSPAN_II(ver=1, session_id=9) / p))
    # VXLAN, VNI 5001, from a virtual switch's tunnel end point.
    write("vxlan-hl7.pcap", lambda p: (
        Ether(src=SWMAC, dst=SENSMAC) / IP(src="198.51.100.10", dst="198.51.100.20") /
        UDP(sport=49152, dport=4789) / VXLAN(flags=0x08, vni=5001) / p))
    # Plain GRE carrying the Ethernet frame (transparent Ethernet bridging), key 42.
    write("gre-eth-hl7.pcap", lambda p: outer4(GRE(proto=0x6558, key_present=1, key=42) / p))
    # Plain GRE carrying the IP packet (no inner MACs).
    write("gre-ip-hl7.pcap", lambda p: outer4(GRE(proto=0x0800) / p[IP]))
    # MPLS: two labels, then IPv4 (a provider edge's view).
    write("mpls-ip-hl7.pcap", lambda p: (
        Ether(src=SWMAC, dst=SENSMAC, type=0x8847) / MPLS(label=100, s=0, ttl=64) /
        MPLS(label=300, s=1, ttl=64) / p[IP]))
    # MPLS Ethernet pseudowire with its control word (RFC 4448).
    write("mpls-eompls-cw-hl7.pcap", lambda p: (
        Ether(src=SWMAC, dst=SENSMAC, type=0x8847) / MPLS(label=400, s=1, ttl=64) /
        Raw(b"\x00\x00\x00\x00") / p))


if __name__ == "__main__":
    main()
