package pcapfile

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
)

func fuzzRead(t *testing.T, data []byte) {
	for _, stream := range []bool{false, true} {
		var r *Reader
		var err error
		if stream {
			r, err = NewReader(bytes.NewReader(data))
		} else {
			r, err = NewBytesReader(data)
		}
		if err != nil {
			continue
		}
		for i := 0; i < 100000; i++ {
			p, err := r.Next()
			if err != nil {
				if err != io.EOF {
					if _, ok := err.(*Error); !ok {
						t.Fatalf("error of type %T: %v", err, err)
					}
				}
				break
			}
			if p.Offset < 0 || p.Offset >= int64(len(data)) {
				t.Fatalf("offset %d out of range", p.Offset)
			}
		}
	}
}

func FuzzPcap(f *testing.F) {
	f.Add(buildPcap(binary.LittleEndian, false, 1, []rec{{ts: 1e9, data: []byte("abc"), orig: 3}}))
	f.Add(buildPcap(binary.BigEndian, true, 113, []rec{{ts: 1e9, data: []byte("abcdef"), orig: 60}}))
	f.Fuzz(fuzzRead)
}

func FuzzPcapNG(f *testing.F) {
	f.Add(buildNG(binary.LittleEndian, [][2]int{{1, 0}, {113, 9}}, []rec{{ts: 1e9, data: []byte("x"), orig: 1, ifc: 1}}, nil))
	f.Add(buildNG(binary.BigEndian, [][2]int{{1, 0}}, nil, []byte("simple")))
	f.Fuzz(fuzzRead)
}
