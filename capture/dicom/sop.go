package dicom

import "strings"

// Services that SOP classes belong to.
const (
	ServiceVerification      = "verification"
	ServiceStorage           = "storage"
	ServiceQueryFind         = "query/retrieve-find"
	ServiceQueryMove         = "query/retrieve-move"
	ServiceQueryGet          = "query/retrieve-get"
	ServiceWorklist          = "worklist"
	ServiceMPPS              = "mpps"
	ServiceStorageCommitment = "storage-commitment"
	ServicePrint             = "print"
	ServiceUPS               = "ups"
	ServiceOther             = "other"
)

type sopInfo struct{ name, service string }

var sopClasses = map[string]sopInfo{
	"1.2.840.10008.1.1":              {"Verification", ServiceVerification},
	"1.2.840.10008.1.20.1":           {"Storage Commitment Push Model", ServiceStorageCommitment},
	"1.2.840.10008.3.1.2.3.3":        {"Modality Performed Procedure Step", ServiceMPPS},
	"1.2.840.10008.5.1.4.31":         {"Modality Worklist Information Model - FIND", ServiceWorklist},
	"1.2.840.10008.5.1.4.1.2.1.1":    {"Patient Root Query/Retrieve Information Model - FIND", ServiceQueryFind},
	"1.2.840.10008.5.1.4.1.2.1.2":    {"Patient Root Query/Retrieve Information Model - MOVE", ServiceQueryMove},
	"1.2.840.10008.5.1.4.1.2.1.3":    {"Patient Root Query/Retrieve Information Model - GET", ServiceQueryGet},
	"1.2.840.10008.5.1.4.1.2.2.1":    {"Study Root Query/Retrieve Information Model - FIND", ServiceQueryFind},
	"1.2.840.10008.5.1.4.1.2.2.2":    {"Study Root Query/Retrieve Information Model - MOVE", ServiceQueryMove},
	"1.2.840.10008.5.1.4.1.2.2.3":    {"Study Root Query/Retrieve Information Model - GET", ServiceQueryGet},
	"1.2.840.10008.5.1.4.1.2.3.1":    {"Patient/Study Only Query/Retrieve Information Model - FIND", ServiceQueryFind},
	"1.2.840.10008.5.1.4.1.2.3.2":    {"Patient/Study Only Query/Retrieve Information Model - MOVE", ServiceQueryMove},
	"1.2.840.10008.5.1.4.1.2.3.3":    {"Patient/Study Only Query/Retrieve Information Model - GET", ServiceQueryGet},
	"1.2.840.10008.5.1.1.9":          {"Basic Grayscale Print Management Meta", ServicePrint},
	"1.2.840.10008.5.1.1.18":         {"Basic Color Print Management Meta", ServicePrint},
	"1.2.840.10008.5.1.4.1.1.1":      {"Computed Radiography Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.1.1":    {"Digital X-Ray Image Storage - For Presentation", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.1.1.1":  {"Digital X-Ray Image Storage - For Processing", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.1.2":    {"Digital Mammography X-Ray Image Storage - For Presentation", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.1.2.1":  {"Digital Mammography X-Ray Image Storage - For Processing", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.2":      {"CT Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.2.1":    {"Enhanced CT Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.3.1":    {"Ultrasound Multi-frame Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.4":      {"MR Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.4.1":    {"Enhanced MR Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.6.1":    {"Ultrasound Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.7":      {"Secondary Capture Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.7.4":    {"Multi-frame True Color Secondary Capture Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.9.1.1":  {"12-lead ECG Waveform Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.9.1.2":  {"General ECG Waveform Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.11.1":   {"Grayscale Softcopy Presentation State Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.12.1":   {"X-Ray Angiographic Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.12.2":   {"X-Ray Radiofluoroscopic Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.20":     {"Nuclear Medicine Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.66":     {"Raw Data Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.77.1.4": {"VL Photographic Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.88.11":  {"Basic Text SR Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.88.22":  {"Enhanced SR Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.88.33":  {"Comprehensive SR Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.88.59":  {"Key Object Selection Document Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.104.1":  {"Encapsulated PDF Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.128":    {"Positron Emission Tomography Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.481.1":  {"RT Image Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.481.2":  {"RT Dose Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.481.3":  {"RT Structure Set Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.1.1.481.5":  {"RT Plan Storage", ServiceStorage},
	"1.2.840.10008.5.1.4.34.6.1":     {"Unified Procedure Step - Push", ServiceUPS},
	"1.2.840.10008.5.1.4.34.6.3":     {"Unified Procedure Step - Pull", ServiceUPS},
}

// SOPClassName names a SOP class UID, or returns the UID itself.
func SOPClassName(uid string) string {
	if s, ok := sopClasses[uid]; ok {
		return s.name
	}
	return uid
}

// ServiceOf names the service a SOP class belongs to. Unlisted classes
// under the storage root 1.2.840.10008.5.1.4.1.1 count as storage.
func ServiceOf(uid string) string {
	if s, ok := sopClasses[uid]; ok {
		return s.service
	}
	if strings.HasPrefix(uid, "1.2.840.10008.5.1.4.1.1.") {
		return ServiceStorage
	}
	return ServiceOther
}

var transferSyntaxes = map[string]string{
	ImplicitVRLittleEndian:   "Implicit VR Little Endian",
	ExplicitVRLittleEndian:   "Explicit VR Little Endian",
	DeflatedExplicitVRLE:     "Deflated Explicit VR Little Endian",
	ExplicitVRBigEndian:      "Explicit VR Big Endian",
	"1.2.840.10008.1.2.4.50": "JPEG Baseline",
	"1.2.840.10008.1.2.4.51": "JPEG Extended",
	"1.2.840.10008.1.2.4.57": "JPEG Lossless",
	"1.2.840.10008.1.2.4.70": "JPEG Lossless SV1",
	"1.2.840.10008.1.2.4.80": "JPEG-LS Lossless",
	"1.2.840.10008.1.2.4.81": "JPEG-LS Near-Lossless",
	"1.2.840.10008.1.2.4.90": "JPEG 2000 Lossless",
	"1.2.840.10008.1.2.4.91": "JPEG 2000",
	"1.2.840.10008.1.2.5":    "RLE Lossless",
}

// TransferSyntaxName names a transfer syntax UID, or returns the UID.
func TransferSyntaxName(uid string) string {
	if n, ok := transferSyntaxes[uid]; ok {
		return n
	}
	return uid
}
