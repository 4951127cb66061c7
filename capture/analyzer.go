package capture

import (
	"encoding/binary"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"medsec/capture/appproto"
	"medsec/capture/pcapfile"
)

// Options bound the analyzer's memory.
type Options struct {
	// MaxOutOfOrder bounds the out-of-order bytes buffered per TCP stream
	// direction; beyond it the stream skips the gap (default 256 KiB).
	MaxOutOfOrder int
	// MaxFlows bounds the number of conversations tracked (default 4
	// million, roughly 1.5 GiB); packets of further new conversations are
	// counted in Summary.UntrackedPackets only.
	MaxFlows int
	// Live, when set, is added to by CaptureLive as it reads: packets, bytes and the
	// kernel's drops on the socket. Nil counts nothing.
	Live *LiveStats
}

// Analyzer accumulates packets into flows, hosts and identity facts. It is
// not safe for concurrent use. Feed it with AddPacket (or AnalyzeFile) and
// read the outcome with Result.
type Analyzer struct {
	opts    Options
	flows   map[flowKey]*flow
	order   []*flow
	hosts   map[[16]byte]*hostState
	pktNum  int64
	curTime int64
	bytes   int64
	nonIP   int64
	untrack int64
	start   int64
	end     int64
	files   []FileInfo
	l       layers
	// cache is a direct-mapped cache in front of flows: consecutive packets
	// of a conversation are close in time, and the map of all flows is
	// large and slow to probe.
	cache *[flowCacheSize]flowCacheEntry
	// dhcpPending holds DHCP facts of clients whose address is not yet
	// known, by client MAC.
	dhcpPending map[string][]pendingFact
	// mirrors counts the tunnels that delivered mirrored frames; lastMirror
	// caches the latest one (a mirror session sends every frame alike).
	mirrors    map[mirrorKey]*Mirror
	mirrorList []*Mirror
	lastMirror *Mirror
	lastMKey   mirrorKey
}

type mirrorKey struct {
	kind     string
	src, dst [16]byte
	v6       bool
	id       uint32
}

type pendingFact struct {
	kind, value string
	ev          Evidence
}

// NewAnalyzer returns an empty analyzer.
func NewAnalyzer(opts Options) *Analyzer {
	if opts.MaxOutOfOrder <= 0 {
		opts.MaxOutOfOrder = 256 << 10
	}
	if opts.MaxFlows <= 0 {
		opts.MaxFlows = 4 << 20
	}
	return &Analyzer{
		opts:        opts,
		flows:       make(map[flowKey]*flow),
		hosts:       make(map[[16]byte]*hostState),
		dhcpPending: make(map[string][]pendingFact),
		cache:       new([flowCacheSize]flowCacheEntry),
		mirrors:     make(map[mirrorKey]*Mirror),
	}
}

const flowCacheSize = 1 << 12

type flowCacheEntry struct {
	key flowKey
	f   *flow
}

// slot returns the cache index of a flow key.
func (k *flowKey) slot() uint32 {
	h := binary.LittleEndian.Uint64(k.a[0:8])*0x9e3779b97f4a7c15 ^
		binary.LittleEndian.Uint64(k.a[8:16])*0xc2b2ae3d27d4eb4f ^
		binary.LittleEndian.Uint64(k.b[0:8])*0x165667b19e3779f9 ^
		binary.LittleEndian.Uint64(k.b[8:16])*0x27d4eb2f165667c5 ^
		(uint64(k.pa)<<16|uint64(k.pb)<<32|uint64(k.proto))*0xff51afd7ed558ccd
	return uint32(h>>52) & (flowCacheSize - 1)
}

type flowKey struct {
	a, b   [16]byte
	pa, pb uint16
	proto  uint8
	v6     bool
}

type flow struct {
	key         flowKey
	first, last int64
	pkts, bytes [2]int64 // by sending side: 0 = key.a, 1 = key.b
	client      int8     // side of the client: 0, 1
	dirBy       string
	synSeen     bool
	app         string
	prevApp     string
	inspect     bool
	identFail   [2]bool
	ident       [2][]byte
	identBytes  int
	udpTries    int
	streams     [2]tcpStream
	sess        appSession
	want        [2]bool
	details     []string
	services    []string
	gaps        int64
	mac         [2][6]byte
	hasMAC      [2]bool
	vlan        uint16
	hosts       [2]*hostState
}

type hostState struct {
	addr   netip.Addr
	macs   [][6]byte
	arpMAC bool
	vlans  []uint16
	protos []string
	roles  []string
	facts  []*Fact
	seen   bool // sent or received a packet
	// Aggregates over flows, recomputed by Result.
	first, last int64
	pkts, bytes int64
	flowMACs    [][6]byte
	flowVLANs   []uint16
}

// appSession decodes one identified application conversation.
type appSession interface {
	// feed passes in-order stream bytes (TCP) or one datagram (UDP) sent
	// by side dir; it returns false when no more bytes are needed from dir.
	feed(dir int, b []byte) bool
	// gap reports bytes missing from side dir's stream.
	gap(dir int)
}

// AddPacket analyses one packet of the given link type, captured at
// timeNanos with wire length origLen. The packet is numbered consecutively
// across all calls, starting at 1.
func (a *Analyzer) AddPacket(link int, data []byte, origLen int, timeNanos int64) {
	ok := decodeFrame(&a.l, link, data)
	a.addDecoded(&a.l, ok, origLen, timeNanos)
}

// addDecoded analyses a packet whose headers decodeFrame has decoded into l
// (ok is its result).
func (a *Analyzer) addDecoded(l *layers, ok bool, origLen int, timeNanos int64) {
	a.pktNum++
	a.curTime = timeNanos
	a.bytes += int64(origLen)
	if a.start == 0 || timeNanos < a.start {
		a.start = timeNanos
	}
	if timeNanos > a.end {
		a.end = timeNanos
	}
	if l.tunnel != "" {
		a.mirrored(l, timeNanos)
	}
	if !ok || !l.hasIP {
		a.nonIP++
		if l.arp {
			a.arp(l)
		}
		return
	}
	if !l.hasL4 {
		// ICMP, fragments and other IP protocols: the hosts exist.
		a.host(l.srcIP, l.v6).seen = true
		a.host(l.dstIP, l.v6).seen = true
		return
	}
	var k flowKey
	side := 0
	if lessEP(&l.srcIP, l.srcPort, &l.dstIP, l.dstPt) {
		k = flowKey{a: l.srcIP, b: l.dstIP, pa: l.srcPort, pb: l.dstPt, proto: l.proto, v6: l.v6}
	} else {
		k = flowKey{a: l.dstIP, b: l.srcIP, pa: l.dstPt, pb: l.srcPort, proto: l.proto, v6: l.v6}
		side = 1
	}
	ce := &a.cache[k.slot()]
	f := ce.f
	if f == nil || ce.key != k {
		f = a.flows[k]
		if f == nil {
			if len(a.flows) >= a.opts.MaxFlows {
				a.untrack++
				return
			}
			f = a.newFlow(k, side, l)
		}
		ce.key, ce.f = k, f
	}
	f.pkts[side]++
	f.bytes[side] += int64(origLen)
	f.last = timeNanos
	if l.hasMAC && !f.hasMAC[side] && l.srcMAC != [6]byte{} {
		f.mac[side], f.hasMAC[side] = l.srcMAC, true
	}
	if l.proto == 6 {
		if l.tcpFlags&tcpSYN != 0 && !f.synSeen {
			f.synSeen = true
			if l.tcpFlags&tcpACK == 0 {
				f.client = int8(side)
			} else {
				f.client = int8(1 - side)
			}
			f.dirBy = "syn"
		}
		// A SYN on a flow no longer inspected may open a new connection
		// on the same ports.
		if f.inspect || l.tcpFlags&(tcpSYN|tcpACK) == tcpSYN {
			a.tcpSegment(f, side, l)
		}
		return
	}
	if f.inspect && len(l.payload) > 0 {
		a.datagram(f, side, l.payload)
	}
}

// mirrored counts a frame delivered by the tunnel l names.
func (a *Analyzer) mirrored(l *layers, timeNanos int64) {
	k := mirrorKey{kind: l.tunnel, src: l.tunSrc, dst: l.tunDst, v6: l.tunV6, id: l.tunID}
	m := a.lastMirror
	if m == nil || a.lastMKey != k {
		m = a.mirrors[k]
		if m == nil {
			if len(a.mirrors) >= 1024 {
				return
			}
			m = &Mirror{Encapsulation: k.kind, ID: k.id, FirstSeen: time.Unix(0, timeNanos).UTC()}
			if l.tunnel != EncapMPLS || k.src != [16]byte{} {
				m.Source, m.Destination = toAddr(k.src, k.v6), toAddr(k.dst, k.v6)
			}
			a.mirrors[k] = m
			a.mirrorList = append(a.mirrorList, m)
		}
		a.lastMirror, a.lastMKey = m, k
	}
	m.Packets++
	m.LastSeen = time.Unix(0, timeNanos).UTC()
}

func lessEP(a *[16]byte, pa uint16, b *[16]byte, pb uint16) bool {
	a0, b0 := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])
	if a0 != b0 {
		return a0 < b0
	}
	a1, b1 := binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:])
	if a1 != b1 {
		return a1 < b1
	}
	return pa < pb
}

// serverPorts are well-known service ports above 1024 used to orient flows
// that were not seen starting.
var serverPorts = map[uint16]bool{104: true, 2575: true, 2761: true, 2762: true, 4242: true, 6661: true, 11112: true,
	20000: true, 44818: true, 2222: true, 47808: true, 1433: true, 1521: true, 3306: true, 5432: true, 3389: true,
	5900: true, 8080: true, 8443: true, 8000: true, 8042: true, 5353: true, 5355: true, 1900: true}

func (a *Analyzer) newFlow(k flowKey, side int, l *layers) *flow {
	f := &flow{key: k, first: a.curTime, client: int8(side), dirBy: "first-packet", inspect: true, vlan: l.vlan}
	f.hosts[0], f.hosts[1] = a.host(k.a, k.v6), a.host(k.b, k.v6)
	f.hosts[0].seen, f.hosts[1].seen = true, true
	// Port heuristic: a well-known port marks the server.
	srv := func(p uint16) bool { return p < 1024 || serverPorts[p] }
	switch sa, sb := srv(k.pa), srv(k.pb); {
	case sa && !sb:
		f.client, f.dirBy = 1, "port"
	case sb && !sa:
		f.client, f.dirBy = 0, "port"
	case sa && sb && k.pa != k.pb:
		if k.pa < k.pb {
			f.client = 1
		} else {
			f.client = 0
		}
		f.dirBy = "port"
	}
	a.flows[k] = f
	a.order = append(a.order, f)
	return f
}

// setClientByContent orients a flow whose start was not seen.
func (f *flow) setClientByContent(side int) {
	if f.dirBy != "syn" {
		f.client, f.dirBy = int8(side), "content"
	}
}

func (f *flow) addr(side int) netip.Addr {
	ip := f.key.a
	if side == 1 {
		ip = f.key.b
	}
	return toAddr(ip, f.key.v6)
}

func toAddr(ip [16]byte, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16(ip)
	}
	return netip.AddrFrom4([4]byte(ip[:4]))
}

func (f *flow) addService(svc string) {
	if len(f.services) < 32 {
		f.services = addString(f.services, svc)
	}
}

func (f *flow) addDetail(d string) {
	for _, x := range f.details {
		if x == d {
			return
		}
	}
	if len(f.details) < 64 {
		f.details = append(f.details, d)
	}
}

func (a *Analyzer) host(ip [16]byte, v6 bool) *hostState {
	h := a.hosts[ip]
	if h == nil {
		h = &hostState{addr: toAddr(ip, v6)}
		a.hosts[ip] = h
	}
	return h
}

func (a *Analyzer) hostAddr(addr netip.Addr) *hostState {
	var ip [16]byte
	if addr.Is4() {
		b := addr.As4()
		copy(ip[:4], b[:])
		return a.host(ip, false)
	}
	return a.host(addr.As16(), true)
}

func (a *Analyzer) arp(l *layers) {
	var zero [16]byte
	if l.srcIP == zero {
		return
	}
	h := a.host(l.srcIP, false)
	h.seen = true
	if !h.arpMAC {
		h.arpMAC = true
		h.macs = h.macs[:0]
	}
	addMAC(h, l.srcMAC)
}

func addMAC(h *hostState, m [6]byte) {
	for _, x := range h.macs {
		if x == m {
			return
		}
	}
	if len(h.macs) < 16 {
		h.macs = append(h.macs, m)
	}
}

func (a *Analyzer) evidence() Evidence {
	return Evidence{Packet: a.pktNum, Time: time.Unix(0, a.curTime).UTC()}
}

// addFact records an identity fact for addr, with the current packet as
// evidence.
func (a *Analyzer) addFact(addr netip.Addr, kind, value string) {
	a.addFactEv(addr, kind, value, a.evidence())
}

func (a *Analyzer) addFactEv(addr netip.Addr, kind, value string, ev Evidence) {
	value = strings.TrimSpace(value)
	if value == "" || !addr.IsValid() {
		return
	}
	h := a.hostAddr(addr)
	for _, f := range h.facts {
		if f.Kind == kind && f.Value == value {
			f.Count++
			if len(f.Evidence) < 3 {
				f.Evidence = append(f.Evidence, ev)
			}
			return
		}
	}
	if len(h.facts) < 256 {
		h.facts = append(h.facts, &Fact{Kind: kind, Value: value, Evidence: []Evidence{ev}, Count: 1})
	}
}

func containsMAC(list [][6]byte, m [6]byte) bool {
	for _, x := range list {
		if x == m {
			return true
		}
	}
	return false
}

func addString(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// addRole records a role for a flow side's address.
func (a *Analyzer) addRole(f *flow, side int, role string) {
	h := a.hostAddr(f.addr(side))
	h.roles = addString(h.roles, role)
}

// ---- TCP ----

type tcpStream struct {
	synSeen  bool
	isn      uint32
	init     bool
	next     uint32
	segs     []tcpSeg
	buffered int
}

type tcpSeg struct {
	seq  uint32
	data []byte
}

func (a *Analyzer) tcpSegment(f *flow, side int, l *layers) {
	s := &f.streams[side]
	if l.tcpFlags&tcpSYN != 0 {
		if s.synSeen && l.seq != s.isn && l.tcpFlags&tcpACK == 0 {
			f.restart() // same ports, new connection
			s = &f.streams[side]
		}
		if !f.inspect {
			return
		}
		s.init, s.next = true, l.seq+1
		s.synSeen, s.isn = true, l.seq
		s.segs, s.buffered = nil, 0
		return
	}
	p := l.payload
	if len(p) == 0 {
		return
	}
	if !s.init {
		s.init, s.next = true, l.seq
	}
	diff := int32(l.seq - s.next)
	if diff > 0 {
		// Out of order: keep a copy until the gap fills.
		if s.buffered+len(p) > a.opts.MaxOutOfOrder {
			// Give up waiting: skip to the earliest buffered data.
			a.skipGap(f, side, s)
			diff = int32(l.seq - s.next)
			if diff > 0 {
				f.gaps += int64(diff)
				if f.sess != nil {
					f.sess.gap(side)
				}
				s.next = l.seq
				diff = 0
			}
		} else {
			a.bufferSeg(s, l.seq, p)
			return
		}
	}
	if diff < 0 {
		if int(-diff) >= len(p) {
			return // retransmission
		}
		p = p[-diff:]
	}
	s.next += uint32(len(p))
	a.streamData(f, side, p)
	a.drain(f, side, s)
}

func (a *Analyzer) bufferSeg(s *tcpStream, seq uint32, p []byte) {
	i := sort.Search(len(s.segs), func(i int) bool { return int32(s.segs[i].seq-seq) >= 0 })
	if i < len(s.segs) && s.segs[i].seq == seq && len(s.segs[i].data) >= len(p) {
		return // duplicate
	}
	s.segs = append(s.segs, tcpSeg{})
	copy(s.segs[i+1:], s.segs[i:])
	s.segs[i] = tcpSeg{seq: seq, data: append([]byte(nil), p...)}
	s.buffered += len(p)
}

// drain delivers buffered segments that have become in order.
func (a *Analyzer) drain(f *flow, side int, s *tcpStream) {
	for len(s.segs) > 0 && f.inspect {
		sg := s.segs[0]
		diff := int32(sg.seq - s.next)
		if diff > 0 {
			return
		}
		s.segs = s.segs[1:]
		s.buffered -= len(sg.data)
		if int(-diff) >= len(sg.data) {
			continue
		}
		p := sg.data[-diff:]
		s.next += uint32(len(p))
		a.streamData(f, side, p)
	}
	if !f.inspect {
		s.segs, s.buffered = nil, 0
	}
}

// skipGap jumps over missing bytes to the first buffered segment.
func (a *Analyzer) skipGap(f *flow, side int, s *tcpStream) {
	if len(s.segs) == 0 {
		return
	}
	if d := int32(s.segs[0].seq - s.next); d > 0 {
		f.gaps += int64(d)
		s.next = s.segs[0].seq
		if f.sess != nil {
			f.sess.gap(side)
		} else {
			f.identFail[side] = true
		}
	}
	a.drain(f, side, s)
}

// streamData passes in-order bytes of side's stream to the application
// session, identifying the protocol first.
func (a *Analyzer) streamData(f *flow, side int, b []byte) {
	if !f.inspect {
		return
	}
	if f.sess != nil {
		if f.want[side] {
			f.want[side] = f.sess.feed(side, b)
			if !f.want[0] && !f.want[1] {
				f.stopInspect()
			}
		}
		return
	}
	if f.app != "" || f.identFail[side] {
		return
	}
	data := b
	if len(f.ident[side]) > 0 {
		f.ident[side] = append(f.ident[side], b...)
		data = f.ident[side]
	}
	f.identBytes += len(b)
	proto, more := appproto.IdentifyStream(data)
	if proto != appproto.Unknown {
		f.app = proto
		other := f.ident[1-side]
		f.ident = [2][]byte{}
		a.startSession(f, side, data)
		if f.sess == nil {
			f.stopInspect()
			return
		}
		f.want = [2]bool{true, true}
		if len(other) > 0 {
			f.want[1-side] = f.sess.feed(1-side, other)
		}
		f.want[side] = f.sess.feed(side, data)
		if !f.want[0] && !f.want[1] {
			f.stopInspect()
		}
		return
	}
	if more && f.identBytes < 2*4096 {
		if len(f.ident[side]) == 0 {
			f.ident[side] = append(make([]byte, 0, 2*len(b)), b...)
		}
		return
	}
	f.identFail[side] = true
	f.ident[side] = nil
	if f.identFail[1-side] || f.identBytes >= 2*4096 {
		f.stopInspect()
	}
}

// restart resets stream and application state for a new connection that
// reuses the flow's ports; the protocol found before is kept unless the
// new connection identifies another.
func (f *flow) restart() {
	if f.app != "" {
		f.prevApp = f.app
	}
	f.app = ""
	f.inspect = true
	f.identFail = [2]bool{}
	f.ident = [2][]byte{}
	f.identBytes = 0
	f.udpTries = 0
	f.sess = nil
	f.want = [2]bool{}
	f.streams = [2]tcpStream{}
}

// appName is the flow's application protocol: the current connection's, or
// that of an earlier connection on the same ports.
func (f *flow) appName() string {
	if f.app != "" {
		return f.app
	}
	return f.prevApp
}

func (f *flow) stopInspect() {
	f.inspect = false
	f.ident = [2][]byte{}
	f.streams[0].segs, f.streams[1].segs = nil, nil
	f.streams[0].buffered, f.streams[1].buffered = 0, 0
	f.sess = nil
}

// startSession creates the decoder for an identified TCP protocol. side
// sent first bytes that identified it.
func (a *Analyzer) startSession(f *flow, side int, first []byte) {
	switch f.app {
	case appproto.DICOM:
		f.setClientByContent(side) // A-ASSOCIATE-RQ comes from the requester
		f.sess = newDICOMSession(a, f)
	case appproto.HL7:
		f.sess = newHL7Session(a, f)
	case appproto.TLS:
		if first[5] == 1 {
			f.setClientByContent(side)
		} else {
			f.setClientByContent(1 - side)
		}
		f.sess = &tlsSession{a: a, f: f}
	case appproto.HTTP:
		if first[0] == 'H' && first[1] == 'T' {
			f.setClientByContent(1 - side)
		} else {
			f.setClientByContent(side)
		}
		f.sess = &httpSession{a: a, f: f}
	}
}

// ---- UDP ----

func (a *Analyzer) datagram(f *flow, side int, p []byte) {
	if f.sess != nil {
		if !f.sess.feed(side, p) {
			f.stopInspect()
		}
		return
	}
	sp, dp := f.key.pa, f.key.pb
	if side == 1 {
		sp, dp = dp, sp
	}
	proto := appproto.IdentifyDatagram(p, sp, dp)
	if proto == appproto.Unknown {
		f.udpTries++
		if f.udpTries >= 4 {
			f.stopInspect()
		}
		return
	}
	f.app = proto
	switch proto {
	case appproto.DNS:
		f.sess = &dnsSession{a: a, f: f}
	case appproto.DHCP:
		f.sess = &dhcpSession{a: a, f: f}
	case appproto.SSDP:
		f.sess = &ssdpSession{a: a, f: f}
	default:
		f.stopInspect()
		return
	}
	if !f.sess.feed(side, p) {
		f.stopInspect()
	}
}

// ---- Result ----

// Result returns what has been discovered so far. It first delivers stream
// data still waiting behind missing segments (skipping the gaps), so call it
// when input has ended.
func (a *Analyzer) Result() *Result {
	a.flushStreams()
	r := &Result{Files: append([]FileInfo(nil), a.files...)}
	r.Summary.Packets = a.pktNum
	r.Summary.Bytes = a.bytes
	r.Summary.NonIPPackets = a.nonIP
	r.Summary.UntrackedPackets = a.untrack
	if a.pktNum > 0 {
		r.Summary.Start = time.Unix(0, a.start).UTC()
		r.Summary.End = time.Unix(0, a.end).UTC()
	}
	r.Summary.Protocols = map[string]int{}

	for _, h := range a.hosts {
		h.first, h.last, h.pkts, h.bytes = 0, 0, 0, 0
		h.flowMACs, h.flowVLANs = h.flowMACs[:0], h.flowVLANs[:0]
	}
	r.Flows = make([]Flow, 0, len(a.order))
	for _, f := range a.order {
		r.Flows = append(r.Flows, a.flowResult(f))
		app := f.appName()
		r.Summary.Protocols[app]++
		for side := 0; side < 2; side++ {
			h := f.hosts[side]
			if h.first == 0 || f.first < h.first {
				h.first = f.first
			}
			if f.last > h.last {
				h.last = f.last
			}
			h.pkts += f.pkts[side]
			h.bytes += f.bytes[side]
			if f.hasMAC[side] && !containsMAC(h.flowMACs, f.mac[side]) && len(h.flowMACs) < 16 {
				h.flowMACs = append(h.flowMACs, f.mac[side])
			}
			if f.vlan != 0 && !slices.Contains(h.flowVLANs, f.vlan) {
				h.flowVLANs = append(h.flowVLANs, f.vlan)
			}
			if app != "" {
				h.protos = addString(h.protos, app)
				if role := genericRole(app, side == int(f.client)); role != "" {
					h.roles = addString(h.roles, role)
				}
			}
		}
	}
	// A MAC that is the source of many addresses is a router's.
	macHosts := map[[6]byte]int{}
	for _, h := range a.hosts {
		for _, m := range h.flowMACs {
			macHosts[m]++
		}
	}
	gateways := map[[6]byte]bool{}
	for m, n := range macHosts {
		if n > 8 {
			gateways[m] = true
			r.Summary.GatewayMACs = append(r.Summary.GatewayMACs, net.HardwareAddr(m[:]).String())
		}
	}
	sort.Strings(r.Summary.GatewayMACs)
	tunnelEnds := map[netip.Addr]bool{}
	for _, m := range a.mirrorList {
		r.Mirrors = append(r.Mirrors, *m)
		tunnelEnds[m.Source], tunnelEnds[m.Destination] = true, true
	}
	r.Hosts = make([]Host, 0, len(a.hosts))
	for _, h := range a.hosts {
		if !h.seen && len(h.facts) == 0 || !isUnicast(h.addr) {
			continue
		}
		if tunnelEnds[h.addr] && h.first == 0 && len(h.facts) == 0 {
			// A tunnel end seen only in ICMP errors about the tunnel (a
			// collector without a GRE listener answers "protocol
			// unreachable"): it is the mirror, listed in Mirrors.
			continue
		}
		out := Host{Address: h.addr, Protocols: h.protos, Roles: h.roles}
		sort.Strings(out.Protocols)
		sort.Strings(out.Roles)
		macs := append([][6]byte(nil), h.macs...)
		if h.pkts > 0 || h.first > 0 {
			out.FirstSeen = time.Unix(0, h.first).UTC()
			out.LastSeen = time.Unix(0, h.last).UTC()
			out.PacketsSent, out.BytesSent = h.pkts, h.bytes
		}
		if !h.arpMAC {
			for _, m := range h.flowMACs {
				if !gateways[m] && !containsMAC(macs, m) {
					macs = append(macs, m)
				}
			}
		}
		for _, v := range h.flowVLANs {
			out.VLANs = append(out.VLANs, int(v))
		}
		sort.Ints(out.VLANs)
		for _, m := range macs {
			out.MACs = append(out.MACs, net.HardwareAddr(m[:]).String())
		}
		sort.Strings(out.MACs)
		for _, f := range h.facts {
			fc := *f
			fc.Evidence = append([]Evidence(nil), f.Evidence...)
			out.Identity = append(out.Identity, fc)
		}
		sort.SliceStable(out.Identity, func(i, j int) bool { return out.Identity[i].Kind < out.Identity[j].Kind })
		r.Hosts = append(r.Hosts, out)
	}
	sort.Slice(r.Hosts, func(i, j int) bool { return r.Hosts[i].Address.Less(r.Hosts[j].Address) })
	r.Summary.Hosts = len(r.Hosts)
	r.Summary.Flows = len(r.Flows)
	return r
}

// isUnicast reports whether addr can be a device's own address (not
// multicast, broadcast or unspecified).
func isUnicast(addr netip.Addr) bool {
	return addr.IsValid() && !addr.IsMulticast() && !addr.IsUnspecified() && addr != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// genericRole names the role of a flow side for protocols whose roles
// follow the connection direction. DICOM and HL7 roles come from content.
func genericRole(app string, client bool) string {
	switch app {
	case appproto.DICOM, appproto.HL7, appproto.DNS, appproto.DHCP, appproto.SSDP, "":
		return ""
	}
	if client {
		return app + "-client"
	}
	return app + "-server"
}

func (a *Analyzer) flowResult(f *flow) Flow {
	c, s := int(f.client), 1-int(f.client)
	port := func(side int) uint16 {
		if side == 0 {
			return f.key.pa
		}
		return f.key.pb
	}
	tr := "udp"
	if f.key.proto == 6 {
		tr = "tcp"
	}
	return Flow{
		Transport:     tr,
		Client:        Endpoint{Address: f.addr(c), Port: port(c)},
		Server:        Endpoint{Address: f.addr(s), Port: port(s)},
		DirectionBy:   f.dirBy,
		App:           f.appName(),
		FirstSeen:     time.Unix(0, f.first).UTC(),
		LastSeen:      time.Unix(0, f.last).UTC(),
		ClientPackets: f.pkts[c],
		ClientBytes:   f.bytes[c],
		ServerPackets: f.pkts[s],
		ServerBytes:   f.bytes[s],
		Details:       append([]string(nil), f.details...),
		Services:      append([]string(nil), f.services...),
		Gaps:          f.gaps,
		VLAN:          int(f.vlan),
	}
}

// addFile records a file's description in the result; AnalyzeFile calls it.
func (a *Analyzer) addFile(fi FileInfo) { a.files = append(a.files, fi) }

// Packets returns the number of packets analysed so far.
func (a *Analyzer) Packets() int64 { return a.pktNum }

// AddPcapPacket analyses a packet read by pcapfile.
func (a *Analyzer) AddPcapPacket(p *pcapfile.Packet) {
	a.AddPacket(p.LinkType, p.Data, p.OrigLen, p.TimeNanos)
}

// flushStreams delivers data still waiting behind gaps at the end of input.
func (a *Analyzer) flushStreams() {
	for _, f := range a.order {
		for side := 0; side < 2; side++ {
			s := &f.streams[side]
			for f.inspect && len(s.segs) > 0 {
				a.skipGap(f, side, s)
			}
		}
	}
}
