package medsec

import (
	"context"
	"strings"
	"time"
)

// DeviceModel is a manufacturer's product: a vendor and the model name its assets carry
// (Asset.VendorID and Asset.Model). Every asset of the model shares the model's components
// (from its SBOMs) and its MDS2 security-capability profile [M1].
type DeviceModel struct {
	ID         int64     `json:"id"`
	VendorID   int64     `json:"vendor_id"`
	VendorName string    `json:"vendor_name,omitempty"`
	Name       string    `json:"name"`
	CreatedAt  time.Time `json:"created_at"`
	// Assets is how many assets (of the caller's scope) carry the model; filled by reads.
	Assets int `json:"assets"`
}

// SBOMFormat names a software bill of materials' format and encoding.
type SBOMFormat string

// SBOM formats medsec reads: CycloneDX 1.2–1.6 (tested on 1.4–1.6) in JSON and XML
// (ECMA-424), SPDX 2.x (tested on 2.3) in JSON and tag-value (ISO/IEC 5962).
const (
	SBOMCycloneDXJSON SBOMFormat = "cyclonedx-json"
	SBOMCycloneDXXML  SBOMFormat = "cyclonedx-xml"
	SBOMSPDXJSON      SBOMFormat = "spdx-json"
	SBOMSPDXTagValue  SBOMFormat = "spdx-tag-value"
)

// SBOM is one imported software bill of materials, on an asset or on a device model
// (exactly one of AssetID and ModelID is set). Importing a document with the same Key onto
// the same asset or model again replaces it and its components.
type SBOM struct {
	ID      int64 `json:"id"`
	AssetID int64 `json:"asset_id,omitempty"`
	ModelID int64 `json:"model_id,omitempty"`
	// Key identifies the document across versions of the file: the CycloneDX serialNumber,
	// the SPDX documentNamespace, else the described product's name and version, else the
	// file name.
	Key         string     `json:"key"`
	Format      SBOMFormat `json:"format"`
	SpecVersion string     `json:"spec_version"`
	// Subject is what the document describes (CycloneDX metadata.component, SPDX name).
	Subject  string `json:"subject,omitempty"`
	FileName string `json:"file_name"`
	// SHA256 is the hex SHA-256 of the imported file.
	SHA256     string    `json:"sha256"`
	Components int       `json:"components"`
	ImportedAt time.Time `json:"imported_at"`
	ImportedBy string    `json:"imported_by"`
}

// ComponentHash is one digest of a component's file, as the SBOM gives it.
type ComponentHash struct {
	// Algorithm as the SBOM names it, upper case ("SHA-256", "SHA1", "MD5").
	Algorithm string `json:"alg"`
	// Value is the digest in lower-case hex.
	Value string `json:"value"`
}

// Component is one piece of software, firmware or hardware inside an asset or a device
// model, as a software bill of materials lists it [M1]. Vulnerability matching reads CPE
// and PURL.
type Component struct {
	ID      int64 `json:"id"`
	SBOMID  int64 `json:"sbom_id"`
	AssetID int64 `json:"asset_id,omitempty"`
	ModelID int64 `json:"model_id,omitempty"`
	// Ref is the component's identifier inside its SBOM (CycloneDX bom-ref, SPDX SPDXID).
	Ref string `json:"ref,omitempty"`
	// Type is the CycloneDX component type (application, library, firmware,
	// operating-system, device, …) or, for SPDX, the package's primary purpose in lower case.
	Type     string `json:"type,omitempty"`
	Name     string `json:"name"`
	Version  string `json:"version,omitempty"`
	Supplier string `json:"supplier,omitempty"`
	// CPE is a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:...) or a CPE 2.2 URI.
	CPE string `json:"cpe,omitempty"`
	// PURL is the package URL in canonical form (github.com/package-url/purl-spec).
	PURL   string          `json:"purl,omitempty"`
	Hashes []ComponentHash `json:"hashes"`
}

// ComponentTarget says what an SBOM belongs to: an asset or a device model.
type ComponentTarget struct {
	AssetID int64
	// ModelID, or VendorName and ModelName to find or create the model by name.
	ModelID    int64
	VendorName string
	ModelName  string
}

// Valid reports whether the target names exactly one asset or one model.
func (t ComponentTarget) Valid() bool {
	model := t.ModelID != 0 || strings.TrimSpace(t.VendorName) != "" && strings.TrimSpace(t.ModelName) != ""
	return (t.AssetID != 0) != model
}

// SBOMImport is one parsed SBOM to store on its target.
type SBOMImport struct {
	Target     ComponentTarget
	Key        string
	Format     SBOMFormat
	Spec       string
	Subject    string
	FileName   string
	SHA256     string
	Components []Component
}

// AssetComponents is what an asset is made of: the components of its own SBOMs and those of
// its device model's SBOMs.
type AssetComponents struct {
	Model      *DeviceModel `json:"model,omitempty"`
	SBOMs      []*SBOM      `json:"sboms"`
	Components []*Component `json:"components"`
}

// ComponentService stores SBOMs and their components and device models.
type ComponentService interface {
	// ImportSBOM stores the SBOM on its target in one transaction with its audit row,
	// replacing the components of an earlier SBOM with the same key on the same target.
	// Needs PermInventoryWrite; an asset outside the caller's scope is ENOTFOUND; a model
	// target needs a caller not limited to one vendor. An unknown vendor is EINVALID.
	ImportSBOM(ctx context.Context, imp SBOMImport) (*SBOM, error)
	// DeleteSBOM removes an SBOM and its components. Needs PermInventoryWrite.
	DeleteSBOM(ctx context.Context, id int64) error
	// FindAssetComponents returns the asset's own and its model's SBOMs and components.
	// Needs PermInventoryRead; an asset outside the scope is ENOTFOUND.
	FindAssetComponents(ctx context.Context, assetID int64) (*AssetComponents, error)
	// FindDeviceModels lists the device models: those stored and those the caller's assets
	// name. Needs PermInventoryRead; a vendor user sees its own vendor's.
	FindDeviceModels(ctx context.Context) ([]*DeviceModel, error)
	// FindDeviceModel returns one stored model with its SBOMs and components. Needs
	// PermInventoryRead; ENOTFOUND if absent or another vendor's for a vendor user.
	FindDeviceModel(ctx context.Context, id int64) (*DeviceModel, *AssetComponents, error)
	// EnsureDeviceModel finds or creates the model of a vendor (by name) and model name.
	// Needs PermInventoryWrite.
	EnsureDeviceModel(ctx context.Context, vendorName, modelName string) (*DeviceModel, error)
	// ImportMDS2 stores a model's MDS2 profile (target: a model by ID or by vendor and
	// model name), replacing the model's earlier one, with its audit row. Needs
	// PermInventoryWrite.
	ImportMDS2(ctx context.Context, target ComponentTarget, p *MDS2Profile) (*MDS2Profile, error)
	// FindMDS2 returns a model's profile; ENOTFOUND when it has none or the caller (a
	// vendor user of another vendor) may not see the model. Needs PermInventoryRead.
	FindMDS2(ctx context.Context, modelID int64) (*MDS2Profile, error)
}
