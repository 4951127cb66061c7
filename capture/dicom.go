package capture

import (
	"fmt"

	"medsec/capture/dicom"
)

// dicomSession maps DICOM upper-layer events onto facts, roles and flow
// details.
type dicomSession struct {
	a         *Analyzer
	f         *flow
	c         *dicom.Conn
	requester int // side that sent A-ASSOCIATE-RQ, -1 if not seen
	forwarded bool
}

func newDICOMSession(a *Analyzer, f *flow) appSession {
	return &dicomSession{a: a, f: f, c: dicom.NewConn(), requester: -1}
}

func (s *dicomSession) gap(side int) { s.c.Gap(side) }

func (s *dicomSession) feed(side int, b []byte) bool {
	return s.c.Write(side, b, s.event)
}

func (s *dicomSession) event(e dicom.Event) {
	a, f := s.a, s.f
	switch e.Kind {
	case dicom.EventAssociateRQ:
		as := e.Association
		s.requester = e.Dir
		req, acc := f.addr(e.Dir), f.addr(1-e.Dir)
		a.addRole(f, e.Dir, "dicom-scu")
		a.addRole(f, 1-e.Dir, "dicom-scp")
		a.addFact(req, FactAETitle, as.CallingAE)
		a.addFact(acc, FactAETitle, as.CalledAE)
		a.addFact(req, FactDICOMImplClass, as.ImplementationClass)
		a.addFact(req, FactDICOMImplVersion, as.ImplementationVersion)
		f.addDetail(fmt.Sprintf("dicom association %s -> %s", as.CallingAE, as.CalledAE))
		for _, pc := range as.Contexts {
			f.addDetail("dicom proposed service: " + dicom.ServiceOf(pc.AbstractSyntax))
		}
	case dicom.EventAssociateAC:
		as := e.Association
		a.addFact(f.addr(e.Dir), FactDICOMImplClass, as.ImplementationClass)
		a.addFact(f.addr(e.Dir), FactDICOMImplVersion, as.ImplementationVersion)
		for _, pc := range as.Contexts {
			if pc.Result != 0 {
				continue
			}
			f.addDetail("dicom accepted service: " + dicom.ServiceOf(pc.AbstractSyntax))
			f.addService(dicom.ServiceOf(pc.AbstractSyntax))
			if len(pc.TransferSyntaxes) > 0 {
				f.addDetail("dicom transfer syntax: " + dicom.TransferSyntaxName(pc.TransferSyntaxes[0]))
			}
		}
	case dicom.EventAssociateRJ:
		rj := e.Reject
		f.addDetail(fmt.Sprintf("dicom association rejected (result %d, source %d, reason %d)", rj.Result, rj.Source, rj.Reason))
	case dicom.EventCommand:
		c := e.Command
		d := "dicom " + c.Name
		if c.SOPClass != "" {
			d += " " + dicom.SOPClassName(c.SOPClass)
		}
		if c.IsResponse {
			d += fmt.Sprintf(" status %#04x", c.Status)
		}
		f.addDetail(d)
		if c.MoveDestination != "" {
			f.addDetail("dicom move destination: " + c.MoveDestination)
		}
		if c.Field == 0x0001 {
			// The data set describes the sender only when the sender
			// created the image: not for C-MOVE or C-GET sub-operations.
			s.forwarded = c.MoveOriginator != "" || (s.requester >= 0 && e.Dir != s.requester)
		}
	case dicom.EventIdentity:
		id := e.Identity
		f.addDetail(fmt.Sprintf("dicom data set device: %s %s (%s)", id.Manufacturer, id.Model, id.Modality))
		if s.forwarded {
			f.addDetail("dicom data set forwarded from another device")
			return
		}
		src := f.addr(e.Dir)
		a.addFact(src, FactModality, id.Modality)
		a.addFact(src, FactManufacturer, id.Manufacturer)
		a.addFact(src, FactModel, id.Model)
		a.addFact(src, FactSoftwareVersion, id.SoftwareVersions)
		a.addFact(src, FactSerialNumber, id.SerialNumber)
		a.addFact(src, FactStationName, id.StationName)
	}
}
