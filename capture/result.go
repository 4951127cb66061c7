// Package capture discovers devices, their identities and their network
// flows passively from packet captures (pcap and pcapng files, or a live
// Linux interface). It follows TCP and UDP conversations, reassembles TCP
// streams and identifies application protocols by content — DICOM, HL7 v2
// over MLLP, TLS, HTTP/1.x, DNS, DHCP and the industrial protocols Modbus/TCP,
// BACnet/IP, DNP3, EtherNet/IP and S7comm — and records what each address
// revealed about itself, with the packets that prove it.
//
// Patient data is never kept: DICOM data sets are read only for the device
// attributes of groups 0008 and 0018, and of HL7 messages only the MSH and
// MSA segments are decoded.
package capture

import (
	"net/netip"
	"time"
)

// Result is everything discovered from one or more captures.
type Result struct {
	// Files describes each input file.
	Files []FileInfo `json:"files"`
	// Hosts lists every address seen, ordered by address.
	Hosts []Host `json:"hosts"`
	// Flows lists every TCP and UDP conversation, ordered by first packet.
	Flows []Flow `json:"flows"`
	// Summary counts what was found.
	Summary Summary `json:"summary"`
	// Mirrors lists the tunnels that delivered mirrored traffic (ERSPAN,
	// GRE, VXLAN, MPLS). Hosts and flows are those of the frames inside;
	// the tunnel ends are the mirroring switch and the sensor, not devices,
	// and are listed only here.
	Mirrors []Mirror `json:"mirrors,omitempty"`
}

// Mirror is one tunnel session that delivered mirrored frames to the
// capture point.
type Mirror struct {
	// Encapsulation is one of the Encap* constants ("erspan-ii", "vxlan"...).
	Encapsulation string `json:"encapsulation"`
	// Source and Destination are the tunnel's outer addresses: the
	// mirroring switch or tunnel end point and the sensor. They are unset
	// for an MPLS label stack on Ethernet, which has no outer addresses.
	Source      netip.Addr `json:"source,omitzero"`
	Destination netip.Addr `json:"destination,omitzero"`
	// ID is the ERSPAN session id, the VXLAN network identifier, the GRE
	// key or the bottom MPLS label (0 when the encapsulation has none).
	ID uint32 `json:"id"`
	// Packets counts the frames it delivered.
	Packets int64 `json:"packets"`
	// FirstSeen and LastSeen bound them.
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// FileInfo describes one input capture.
type FileInfo struct {
	// Name is the path as given.
	Name string `json:"name"`
	// SHA256 is the hex SHA-256 of the file's bytes (empty for a live capture).
	SHA256 string `json:"sha256,omitempty"`
	// Size is the file's length in bytes.
	Size int64 `json:"size"`
	// Format is "pcap", "pcapng" or "live".
	Format string `json:"format"`
	// Packets is the number of packets read from this file.
	Packets int64 `json:"packets"`
	// FirstPacket is the global number of the file's first packet (numbers
	// run on across files; the first packet of the first file is 1).
	FirstPacket int64 `json:"first_packet"`
	// Error is set when the file could not be read to its end; packets
	// before the error were analysed.
	Error string `json:"error,omitempty"`
	// StoppedAt is the byte offset where reading stopped on error.
	StoppedAt int64 `json:"stopped_at,omitempty"`
}

// Host is one network address and what it revealed.
type Host struct {
	// Address is the IP address.
	Address netip.Addr `json:"address"`
	// MACs lists the hardware addresses seen as the source of its frames
	// (not those of routers, see Summary.GatewayMACs).
	MACs []string `json:"macs,omitempty"`
	// VLANs lists the 802.1Q VLAN ids its frames carried.
	VLANs []int `json:"vlans,omitempty"`
	// Protocols lists the application protocols it spoke.
	Protocols []string `json:"protocols,omitempty"`
	// Roles lists its roles, like "dicom-scu", "dicom-scp", "hl7-sender",
	// "hl7-receiver", "tls-client", "tls-server", "http-client",
	// "http-server", "modbus-server", "dhcp-client", "dns-server".
	Roles []string `json:"roles,omitempty"`
	// Identity lists the facts that identify it, each with evidence.
	Identity []Fact `json:"identity,omitempty"`
	// FirstSeen and LastSeen bound its TCP and UDP packets (zero, and
	// left out of JSON, for hosts seen only in ICMP, ARP or DNS answers).
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	// PacketsSent and BytesSent count TCP and UDP frames sent by this
	// address (wire length).
	PacketsSent int64 `json:"packets_sent"`
	BytesSent   int64 `json:"bytes_sent"`
}

// Fact kinds.
const (
	FactAETitle          = "dicom-ae-title"
	FactModality         = "modality"
	FactManufacturer     = "manufacturer"
	FactModel            = "model"
	FactSoftwareVersion  = "software-version"
	FactSerialNumber     = "serial-number"
	FactStationName      = "station-name"
	FactDICOMImplClass   = "dicom-implementation-class"
	FactDICOMImplVersion = "dicom-implementation-version"
	FactHL7Application   = "hl7-application"
	FactHL7Facility      = "hl7-facility"
	FactHL7Version       = "hl7-version"
	FactDHCPHostname     = "dhcp-hostname"
	FactDHCPVendorClass  = "dhcp-vendor-class"
	FactDNSName          = "dns-name"
	FactTLSServerName    = "tls-server-name"
	FactTLSVersion       = "tls-version"
	FactTLSClientOffers  = "tls-client-versions"
	FactTLSCertSubject   = "tls-certificate-subject"
	FactTLSCertIssuer    = "tls-certificate-issuer"
	FactHTTPHost         = "http-host"
	FactHTTPUserAgent    = "http-user-agent"
	FactHTTPServer       = "http-server"
)

// Fact is one identity attribute of a host with the packets it was seen in.
type Fact struct {
	// Kind is one of the Fact* constants.
	Kind string `json:"kind"`
	// Value is the attribute's value.
	Value string `json:"value"`
	// Evidence lists up to three packets that carried it.
	Evidence []Evidence `json:"evidence"`
	// Count is how many times it was seen.
	Count int64 `json:"count"`
}

// Evidence points at the packet that completed a message carrying a fact.
type Evidence struct {
	// Packet is the global packet number (1-based, across files).
	Packet int64 `json:"packet"`
	// Time is the packet's capture time.
	Time time.Time `json:"time"`
}

// Flow is one TCP or UDP conversation.
type Flow struct {
	// Transport is "tcp" or "udp".
	Transport string `json:"transport"`
	// Client and Server are the endpoints; the client opened the connection
	// (TCP SYN), else sent the first packet, unless port numbers or content
	// say otherwise.
	Client Endpoint `json:"client"`
	Server Endpoint `json:"server"`
	// DirectionBy says how the client was chosen: "syn", "content", "port"
	// or "first-packet".
	DirectionBy string `json:"direction_by"`
	// App is the application protocol identified by content, empty if none.
	App string `json:"app,omitempty"`
	// FirstSeen and LastSeen bound the conversation.
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// ClientPackets, ClientBytes, ServerPackets and ServerBytes count frames
	// (wire length) sent by each side.
	ClientPackets int64 `json:"client_packets"`
	ClientBytes   int64 `json:"client_bytes"`
	ServerPackets int64 `json:"server_packets"`
	ServerBytes   int64 `json:"server_bytes"`
	// Services lists what the conversation was used for: DICOM services
	// accepted ("storage", "verification", "query/retrieve-find", "worklist",
	// ...) and HL7 message types ("ADT^A01").
	Services []string `json:"services,omitempty"`
	// Details are protocol facts about the conversation, like DICOM services
	// and commands or HL7 message types.
	Details []string `json:"details,omitempty"`
	// VLAN is the 802.1Q VLAN id of its first frame (0 if untagged).
	VLAN int `json:"vlan,omitempty"`
	// Gaps counts stream bytes lost to missing segments or buffer limits.
	Gaps int64 `json:"gaps,omitempty"`
}

// Endpoint is an address and port.
type Endpoint struct {
	// Address is the IP address.
	Address netip.Addr `json:"address"`
	// Port is the TCP or UDP port.
	Port uint16 `json:"port"`
}

// Summary counts the discoveries.
type Summary struct {
	// Packets is the number of packets read.
	Packets int64 `json:"packets"`
	// Bytes is the sum of wire lengths.
	Bytes int64 `json:"bytes"`
	// Hosts and Flows count the entries of Result.
	Hosts int `json:"hosts"`
	Flows int `json:"flows"`
	// Protocols counts flows per application protocol ("" is unidentified).
	Protocols map[string]int `json:"protocols"`
	// Start and End bound the capture times.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// GatewayMACs lists hardware addresses seen with many IP addresses
	// (routers); they are left out of Host.MACs.
	GatewayMACs []string `json:"gateway_macs,omitempty"`
	// NonIPPackets counts frames without IPv4/IPv6 (ARP included).
	NonIPPackets int64 `json:"non_ip_packets"`
	// UntrackedPackets counts packets of conversations beyond
	// Options.MaxFlows.
	UntrackedPackets int64 `json:"untracked_packets,omitempty"`
}
