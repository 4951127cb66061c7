package capture

import (
	"fmt"

	"medsec/capture/hl7"
)

// hl7Session maps HL7 message headers onto facts, roles and flow details.
type hl7Session struct {
	a   *Analyzer
	f   *flow
	dir [2]hl7.Stream
}

func newHL7Session(a *Analyzer, f *flow) appSession { return &hl7Session{a: a, f: f} }

func (s *hl7Session) gap(side int) { s.dir[side].Gap() }

func (s *hl7Session) feed(side int, b []byte) bool {
	return s.dir[side].Write(b, func(m hl7.Message) {
		a, f := s.a, s.f
		src, dst := f.addr(side), f.addr(1-side)
		a.addFact(src, FactHL7Application, m.SendingApplication)
		a.addFact(src, FactHL7Facility, m.SendingFacility)
		a.addFact(src, FactHL7Version, m.Version)
		a.addFact(dst, FactHL7Application, m.ReceivingApplication)
		a.addFact(dst, FactHL7Facility, m.ReceivingFacility)
		typ := m.Type
		if m.Trigger != "" {
			typ += "^" + m.Trigger
		}
		if m.IsAck() {
			f.addDetail(fmt.Sprintf("hl7 %s %s v%s", typ, m.AckCode, m.Version))
			return
		}
		if m.Batch {
			f.addDetail("hl7 batch (FHS/BHS ... BTS/FTS)")
		}
		f.addService(typ)
		a.addRole(f, side, "hl7-sender")
		a.addRole(f, 1-side, "hl7-receiver")
		f.addDetail(fmt.Sprintf("hl7 %s v%s %s -> %s", typ, m.Version, m.SendingApplication, m.ReceivingApplication))
	})
}
