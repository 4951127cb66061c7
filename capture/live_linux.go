//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"medsec/capture/pcapfile"
)

// The receive ring of a live capture (Linux packet(7), PACKET_RX_RING with TPACKET_V3;
// kernel Documentation/networking/packet_mmap.rst): the kernel copies frames into
// blocks of a memory region shared with medsec, so a burst the analysis cannot follow at
// once waits in the ring instead of overflowing a socket buffer, and a block of frames
// costs no system call.
const (
	// ringBlockSize is one block of the ring, in bytes (a multiple of the page size; a
	// frame must fit in one block, so jumbo frames do).
	ringBlockSize = 1 << 20
	// ringBlocks is the number of blocks: 64 MiB of ring, about half a second of a
	// 1 Gbit/s mirror.
	ringBlocks = 64
	// ringFrameSize is TPACKET_V3's nominal frame size; frames are packed in a block by
	// their length, this only sets tp_frame_nr.
	ringFrameSize = 2048
	// ringRetire is how long, in milliseconds, the kernel keeps a partly filled block
	// before it hands the block to medsec (tp_retire_blk_tov), so a quiet link is
	// still analysed within this delay.
	ringRetire = 50
	// sockaddrLLOffset is where the frame's struct sockaddr_ll lies after its
	// tpacket3_hdr: TPACKET_ALIGN(sizeof(struct tpacket3_hdr)).
	sockaddrLLOffset = (unix.SizeofTpacket3Hdr + unix.TPACKET_ALIGNMENT - 1) &^ (unix.TPACKET_ALIGNMENT - 1)
	// pkttypeOffset is sll_pkttype's offset in struct sockaddr_ll.
	pkttypeOffset = 10
)

// htons converts a 16-bit value to network byte order.
func htons(v uint16) uint16 { return v<<8 | v>>8 }

// LiveCapture is an AF_PACKET socket open on one Linux interface with a TPACKET_V3
// receive ring (needs CAP_NET_RAW). It stays open across the analysis windows of a
// sensor (Analyzer.CaptureFrom), so the frames that arrive while one window's result is
// made and sent wait in the ring for the next window instead of being missed. Not safe
// for concurrent use.
type LiveCapture struct {
	name     string
	fd       int
	ring     []byte
	block    int // the next block to read
	loopback bool
}

// OpenLive opens a live capture on the interface named ifname. The caller closes it.
// Errors: no such interface, or the socket, ring or bind refused (CAP_NET_RAW missing).
func OpenLive(ifname string) (*LiveCapture, error) {
	ifc, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("live capture on %s: %w", ifname, err)
	}
	ring, fd, err := openRing(ifc.Index)
	if err != nil {
		return nil, fmt.Errorf("live capture on %s: %w", ifname, err)
	}
	return &LiveCapture{name: ifname, fd: fd, ring: ring, loopback: ifc.Flags&net.FlagLoopback != 0}, nil
}

// Close unmaps the ring and closes the socket.
func (c *LiveCapture) Close() error {
	unix.Munmap(c.ring)
	return unix.Close(c.fd)
}

// CaptureLive opens a live capture on the interface named ifname, analyses it for
// duration (Analyzer.CaptureFrom) and closes it.
func (a *Analyzer) CaptureLive(ctx context.Context, ifname string, duration time.Duration, clock func() time.Time) (FileInfo, error) {
	c, err := OpenLive(ifname)
	if err != nil {
		return FileInfo{Name: "live:" + ifname, Format: "live", FirstPacket: a.pktNum + 1}, err
	}
	defer c.Close()
	return a.CaptureFrom(ctx, c, duration, clock)
}

// CaptureFrom feeds the analyzer the frames of an open live capture, stamped with the
// kernel's receive time, until duration has passed, by clock, or ctx is cancelled (pass
// time.Now as clock). Frames already waiting in the ring come first. On the loopback
// interface outgoing copies are skipped, so each packet counts once. Frames the kernel
// could not place because the ring was full are counted in Options.Live's Dropped.
func (a *Analyzer) CaptureFrom(ctx context.Context, c *LiveCapture, duration time.Duration, clock func() time.Time) (FileInfo, error) {
	fi := FileInfo{Name: "live:" + c.name, Format: "live", FirstPacket: a.pktNum + 1}
	live := a.opts.Live
	// The kernel's counters reset at each read: their drops are added to live.
	drops := func() {
		if st, err := unix.GetsockoptTpacketStatsV3(c.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil && live != nil {
			live.Dropped.Add(int64(st.Drops))
		}
	}
	end := clock().Add(duration)
	nextStats := clock().Add(time.Second)
	poll := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN | unix.POLLERR}}
	for {
		now := clock()
		if ctx.Err() != nil || !now.Before(end) {
			break
		}
		if live != nil && !now.Before(nextStats) {
			drops()
			nextStats = now.Add(time.Second)
		}
		b := c.ring[c.block*ringBlockSize : (c.block+1)*ringBlockSize]
		h := (*unix.TpacketHdrV1)(unsafe.Pointer(&(*unix.TpacketBlockDesc)(unsafe.Pointer(&b[0])).Hdr))
		if atomic.LoadUint32(&h.Block_status)&unix.TP_STATUS_USER == 0 {
			// Wait for the kernel to hand a block over, waking often enough to end on
			// time and to read the drop counter.
			if _, err := unix.Poll(poll, 200); err != nil && !errors.Is(err, unix.EINTR) {
				fi.Error = err.Error()
				break
			}
			continue
		}
		off := h.Offset_to_first_pkt
		for range h.Num_pkts {
			p := (*unix.Tpacket3Hdr)(unsafe.Pointer(&b[off]))
			if !(c.loopback && b[off+sockaddrLLOffset+pkttypeOffset] == unix.PACKET_OUTGOING) {
				data := b[off+uint32(p.Mac) : off+uint32(p.Mac)+p.Snaplen]
				fi.Packets++
				fi.Size += int64(p.Snaplen)
				if live != nil {
					live.Packets.Add(1)
					live.Bytes.Add(int64(p.Snaplen))
				}
				a.AddPacket(pcapfile.LinkEthernet, data, int(p.Len), int64(p.Sec)*1e9+int64(p.Nsec))
			}
			off += p.Next_offset
		}
		// Hand the block back to the kernel; the analyzer keeps no reference into it.
		atomic.StoreUint32(&h.Block_status, unix.TP_STATUS_KERNEL)
		c.block = (c.block + 1) % ringBlocks
	}
	drops()
	a.addFile(fi)
	return fi, nil
}

// openRing opens an AF_PACKET socket on the interface with index ifindex, every
// protocol, with a TPACKET_V3 receive ring of ringBlocks blocks, and maps the ring. The
// caller unmaps the ring and closes fd.
func openRing(ifindex int) (ring []byte, fd int, err error) {
	fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return nil, -1, fmt.Errorf("open AF_PACKET socket (needs CAP_NET_RAW): %w", err)
	}
	fail := func(step string, err error) ([]byte, int, error) {
		unix.Close(fd)
		return nil, -1, fmt.Errorf("%s: %w", step, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return fail("set TPACKET_V3", err)
	}
	req := unix.TpacketReq3{
		Block_size:     ringBlockSize,
		Block_nr:       ringBlocks,
		Frame_size:     ringFrameSize,
		Frame_nr:       ringBlockSize / ringFrameSize * ringBlocks,
		Retire_blk_tov: ringRetire,
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return fail("set up the receive ring", err)
	}
	ring, err = unix.Mmap(fd, 0, ringBlockSize*ringBlocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return fail("map the receive ring", err)
	}
	sll := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}
	if err := unix.Bind(fd, sll); err != nil {
		unix.Munmap(ring)
		return fail("bind", err)
	}
	return ring, fd, nil
}
