package dicom

import "testing"

func FuzzConn(f *testing.F) {
	req, acc := conversation()
	f.Add(req, acc, uint8(7))
	f.Add(assocRQ("A", "B"), assocAC(), uint8(1))
	f.Fuzz(func(t *testing.T, req, acc []byte, chunk uint8) {
		n := int(chunk) + 1
		c := NewConn()
		emit := func(e Event) {
			if e.Kind == EventIdentity && e.Identity == nil || e.Kind == EventCommand && e.Command == nil {
				t.Fatalf("event %v without payload", e.Kind)
			}
		}
		for i := 0; i < len(req) || i < len(acc); i += n {
			if i < len(req) {
				c.Write(0, req[i:min(i+n, len(req))], emit)
			}
			if i < len(acc) {
				c.Write(1, acc[i:min(i+n, len(acc))], emit)
			}
		}
	})
}

func FuzzDataSet(f *testing.F) {
	f.Add(dataSet(false), "")
	f.Add(dataSet(true), ExplicitVRLittleEndian)
	f.Add(dataSet(true), ExplicitVRBigEndian)
	f.Add([]byte{0x78, 0x9c}, DeflatedExplicitVRLE)
	f.Fuzz(func(t *testing.T, b []byte, ts string) {
		ParseIdentityTS(b, ts)
	})
}

func FuzzCommand(f *testing.F) {
	f.Add(command(0x0030, "1.2.840.10008.1.1"))
	f.Add(command(0x0021, "1.2.840.10008.5.1.4.1.2.2.2", elem(false, 0, 0x0600, "AE", []byte("X"))))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseCommand(b)
	})
}

func FuzzAssociation(f *testing.F) {
	f.Add(assocRQ("CALLING", "CALLED")[6:], true)
	f.Add(assocAC()[6:], false)
	f.Fuzz(func(t *testing.T, b []byte, rq bool) {
		ParseAssociation(b, rq)
		ParseReject(b)
	})
}
