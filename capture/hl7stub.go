package capture

func newHL7Session(a *Analyzer, f *flow) appSession { return nil }
