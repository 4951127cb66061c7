package capture

func newDICOMSession(a *Analyzer, f *flow) appSession { return nil }
func newHL7Session(a *Analyzer, f *flow) appSession   { return nil }
