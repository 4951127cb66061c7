package medsec

import "time"

// MDS2Answer is one answered question of a Manufacturer Disclosure Statement for Medical
// Device Security (ANSI/NEMA HN 1-2019), as the form gives it.
type MDS2Answer struct {
	// ID is the question ID ("AUTH-1", "STCF-1.1"; the form's typo "SHAD-15" read as SAHD-15).
	ID       string `json:"id"`
	Question string `json:"question,omitempty"`
	// Answer is the cell as written ("Yes", "N/A", a date, free text for DOC- rows).
	Answer string `json:"answer"`
	// Value is the answer read as MDS2Yes, MDS2No, MDS2NA or MDS2SeeNote; "" for free text.
	Value string `json:"value,omitempty"`
	// Note is the text of the note the answer refers to ("See Note 3"), if the form has it.
	Note string `json:"note,omitempty"`
	// Sheet and Row say where the answer was read (1-based row).
	Sheet string `json:"sheet"`
	Row   int    `json:"row"`
}

// MDS2 answer values.
const (
	MDS2Yes     = "yes"
	MDS2No      = "no"
	MDS2NA      = "n/a"
	MDS2SeeNote = "see-note"
)

// Capability names a security capability of a device model's profile.
type Capability string

// Security capabilities read from an MDS2 form [HN 1-2019 sections AUTH, PAUT, AUDT, STCF,
// TXCF, CSUP, RMOT, MLDP, SBOM].
const (
	CapAuthentication    Capability = "authentication"
	CapPasswordChange    Capability = "password-change"
	CapAudit             Capability = "audit"
	CapEncryptionRest    Capability = "encryption-at-rest"
	CapEncryptionTransit Capability = "encryption-in-transit"
	CapPatching          Capability = "patching"
	CapRemoteService     Capability = "remote-service"
	CapMalware           Capability = "malware-protection"
	CapSBOM              Capability = "sbom"
)

// Capabilities lists the capabilities in display order.
var Capabilities = []Capability{CapAuthentication, CapPasswordChange, CapAudit, CapEncryptionRest, CapEncryptionTransit,
	CapPatching, CapRemoteService, CapMalware, CapSBOM}

// CapabilityStatus is what the form says of one capability: Yes (the device has it), No
// (it does not), or Unknown (not answered, N/A, or only a note), with the answers that
// decided it.
type CapabilityStatus struct {
	Capability Capability   `json:"capability"`
	Status     Tristate     `json:"status"`
	Evidence   []MDS2Answer `json:"evidence"`
}

// MDS2Profile is a device model's security-capability profile read from its filled MDS2
// form [M1]. One profile per model: importing another form replaces it.
type MDS2Profile struct {
	ModelID int64 `json:"model_id"`
	// Manufacturer, Model, Description and ReleaseDate are the form's DOC-1, DOC-3, DOC-2
	// and DOC-7 answers.
	Manufacturer string             `json:"manufacturer,omitempty"`
	Model        string             `json:"model,omitempty"`
	Description  string             `json:"description,omitempty"`
	ReleaseDate  string             `json:"release_date,omitempty"`
	FileName     string             `json:"file_name"`
	SHA256       string             `json:"sha256"`
	Capabilities []CapabilityStatus `json:"capabilities"`
	Answers      []MDS2Answer       `json:"answers"`
	ImportedAt   time.Time          `json:"imported_at"`
	ImportedBy   string             `json:"imported_by"`
}

// Answer returns the answer to the question ID, if the profile has it.
func (p *MDS2Profile) Answer(id string) (MDS2Answer, bool) {
	for _, a := range p.Answers {
		if a.ID == id {
			return a, true
		}
	}
	return MDS2Answer{}, false
}
