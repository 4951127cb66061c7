//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"medsec/capture/pcapfile"
)

// htons converts a 16-bit value to network byte order.
func htons(v uint16) uint16 { return v<<8 | v>>8 }

// CaptureLive reads packets from a Linux network interface through an
// AF_PACKET raw socket (needs CAP_NET_RAW) until duration has passed or ctx
// is cancelled, and feeds them to the analyzer. clock stamps the packets
// (pass time.Now). On the loopback interface outgoing copies are skipped, so
// each packet counts once.
func (a *Analyzer) CaptureLive(ctx context.Context, ifname string, duration time.Duration, clock func() time.Time) (FileInfo, error) {
	fi := FileInfo{Name: "live:" + ifname, Format: "live", FirstPacket: a.pktNum + 1}
	ifc, err := net.InterfaceByName(ifname)
	if err != nil {
		return fi, fmt.Errorf("live capture on %s: %w", ifname, err)
	}
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, int(htons(syscall.ETH_P_ALL)))
	if err != nil {
		return fi, fmt.Errorf("live capture on %s: open AF_PACKET socket (needs CAP_NET_RAW): %w", ifname, err)
	}
	defer syscall.Close(fd)
	sll := &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_ALL), Ifindex: ifc.Index}
	if err := syscall.Bind(fd, sll); err != nil {
		return fi, fmt.Errorf("live capture on %s: bind: %w", ifname, err)
	}
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 8<<20)
	tv := syscall.NsecToTimeval((200 * time.Millisecond).Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		return fi, fmt.Errorf("live capture on %s: set timeout: %w", ifname, err)
	}
	loopback := ifc.Flags&net.FlagLoopback != 0
	buf := make([]byte, 256<<10)
	live := a.opts.Live
	// The kernel's counters reset at each read: their drops are added to live.
	drops := func() {
		if st, err := unix.GetsockoptTpacketStats(fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil && live != nil {
			live.Dropped.Add(int64(st.Drops))
		}
	}
	end := clock().Add(duration)
	nextStats := clock().Add(time.Second)
	for {
		now := clock()
		if ctx.Err() != nil || !now.Before(end) {
			break
		}
		if live != nil && !now.Before(nextStats) {
			drops()
			nextStats = now.Add(time.Second)
		}
		n, from, err := recvfrom(fd, buf)
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
				continue
			}
			fi.Error = err.Error()
			break
		}
		if loopback && from.Pkttype == syscall.PACKET_OUTGOING {
			continue
		}
		fi.Packets++
		fi.Size += int64(n)
		if live != nil {
			live.Packets.Add(1)
			live.Bytes.Add(int64(n))
		}
		a.AddPacket(pcapfile.LinkEthernet, buf[:n], n, clock().UnixNano())
	}
	drops()
	a.addFile(fi)
	return fi, nil
}

// recvfrom reads one frame and its link-layer address without allocating.
func recvfrom(fd int, buf []byte) (int, *syscall.RawSockaddrLinklayer, error) {
	var from syscall.RawSockaddrLinklayer
	fromLen := uint32(unsafe.Sizeof(from))
	n, _, e := syscall.Syscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)),
		0, uintptr(unsafe.Pointer(&from)), uintptr(unsafe.Pointer(&fromLen)))
	if e != 0 {
		return 0, nil, e
	}
	return int(n), &from, nil
}
