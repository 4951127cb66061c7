package http

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"medsec"
)

// oscalNS is the namespace of medsec's own props in exported OSCAL documents.
const oscalNS = "urn:medsec:assessment"

// OSCAL 1.1.2 assessment-results, the fields medsec fills.
type (
	oscalARDocument struct {
		AR oscalAR `json:"assessment-results"`
	}
	oscalAR struct {
		UUID     string        `json:"uuid"`
		Metadata oscalMetadata `json:"metadata"`
		ImportAP struct {
			Href string `json:"href"`
		} `json:"import-ap"`
		Results    []oscalResult   `json:"results"`
		BackMatter oscalBackMatter `json:"back-matter"`
	}
	// oscalBackMatter holds the resources the document refers to by "#uuid".
	oscalBackMatter struct {
		Resources []oscalResource `json:"resources"`
	}
	oscalResource struct {
		UUID        string      `json:"uuid"`
		Title       string      `json:"title"`
		Description string      `json:"description"`
		Props       []oscalProp `json:"props,omitempty"`
	}
	oscalMetadata struct {
		Title        string `json:"title"`
		LastModified string `json:"last-modified"`
		Version      string `json:"version"`
		OSCALVersion string `json:"oscal-version"`
	}
	oscalProp struct {
		Name  string `json:"name"`
		NS    string `json:"ns,omitempty"`
		Value string `json:"value"`
	}
	oscalResult struct {
		UUID             string             `json:"uuid"`
		Title            string             `json:"title"`
		Description      string             `json:"description"`
		Start            string             `json:"start"`
		Props            []oscalProp        `json:"props,omitempty"`
		ReviewedControls oscalReviewed      `json:"reviewed-controls"`
		Observations     []oscalObservation `json:"observations,omitempty"`
		Findings         []oscalFinding     `json:"findings,omitempty"`
	}
	oscalReviewed struct {
		ControlSelections []oscalSelection `json:"control-selections"`
	}
	// oscalSelection selects the controls a result reviewed: those listed, or, in the
	// result of an export with no assessment, all of them (IncludeAll, an empty object).
	oscalSelection struct {
		IncludeAll      *struct{}         `json:"include-all,omitempty"`
		IncludeControls []oscalControlRef `json:"include-controls,omitempty"`
	}
	oscalControlRef struct {
		ControlID string `json:"control-id"`
	}
	oscalObservation struct {
		UUID             string          `json:"uuid"`
		Description      string          `json:"description"`
		Props            []oscalProp     `json:"props,omitempty"`
		Methods          []string        `json:"methods"`
		Subjects         []oscalSubject  `json:"subjects,omitempty"`
		RelevantEvidence []oscalEvidence `json:"relevant-evidence,omitempty"`
		Collected        string          `json:"collected"`
		Remarks          string          `json:"remarks,omitempty"`
	}
	oscalSubject struct {
		SubjectUUID string      `json:"subject-uuid"`
		Type        string      `json:"type"`
		Title       string      `json:"title,omitempty"`
		Props       []oscalProp `json:"props,omitempty"`
	}
	oscalEvidence struct {
		Href        string `json:"href,omitempty"`
		Description string `json:"description"`
	}
	oscalFinding struct {
		UUID                string        `json:"uuid"`
		Title               string        `json:"title"`
		Description         string        `json:"description"`
		Props               []oscalProp   `json:"props,omitempty"`
		Target              oscalTarget   `json:"target"`
		RelatedObservations []oscalRelObs `json:"related-observations"`
	}
	oscalTarget struct {
		Type     string `json:"type"`
		TargetID string `json:"target-id"`
		Status   struct {
			State  string `json:"state"`
			Reason string `json:"reason,omitempty"`
		} `json:"status"`
	}
	oscalRelObs struct {
		ObservationUUID string `json:"observation-uuid"`
	}
)

// nameUUID returns a name-based (version 5 style) UUID, so that the same assessment
// exports with the same UUIDs every time.
func nameUUID(parts ...any) string {
	h := sha1.New()
	fmt.Fprint(h, "medsec")
	for _, p := range parts {
		fmt.Fprintf(h, "\x00%v", p)
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// assessmentResults builds the OSCAL assessment-results document of the current
// assessments, one result per catalog. Implemented, compensating and not applicable
// are "satisfied"; partial and not implemented are "not-satisfied"; medsec's own status
// is kept in a prop.
//
// OSCAL requires an assessment plan (import-ap). medsec's plan is not a separate
// document: it is the rule by which controls apply to assets and to the organisation.
// import-ap therefore points ("#uuid", the OSCAL form of an internal reference) at a
// back-matter resource of the same document that states that plan and names the
// catalogs assessed, so that the reference resolves. An export with no assessment has
// one result reviewing nothing, since OSCAL requires at least one result.
func assessmentResults(list []*medsec.Assessment, now time.Time) oscalARDocument {
	byCatalog := map[string][]*medsec.Assessment{}
	var catalogs []string
	for _, a := range list {
		if byCatalog[a.CatalogID] == nil {
			catalogs = append(catalogs, a.CatalogID)
		}
		byCatalog[a.CatalogID] = append(byCatalog[a.CatalogID], a)
	}
	slices.Sort(catalogs)
	ts := now.Format(time.RFC3339)
	doc := oscalARDocument{AR: oscalAR{UUID: nameUUID("assessment-results", ts),
		Metadata: oscalMetadata{Title: "medsec assessment results", LastModified: ts, Version: ts, OSCALVersion: "1.1.2"}}}
	plan := oscalResource{UUID: nameUUID(append([]any{"assessment-plan"}, anySlice(catalogs)...)...), Title: "medsec assessment plan",
		Description: "The plan these results follow, kept in medsec: every control of the catalogs named in this resource's props " +
			"that applies to an in-use asset (by its device class and effective level, 000 §4) or to the organisation (by its settings) " +
			"is assessed by examination and recorded with its assessor, date, evidence and next review."}
	for _, c := range catalogs {
		plan.Props = append(plan.Props, oscalProp{Name: "catalog-id", NS: oscalNS, Value: c})
	}
	doc.AR.ImportAP.Href = "#" + plan.UUID
	doc.AR.BackMatter.Resources = []oscalResource{plan}
	doc.AR.Results = []oscalResult{}
	if len(catalogs) == 0 {
		doc.AR.Results = append(doc.AR.Results, oscalResult{UUID: nameUUID("result", "none", ts), Title: "No assessments",
			Description: "No current assessment is recorded in medsec for the selection exported.", Start: ts,
			ReviewedControls: oscalReviewed{ControlSelections: []oscalSelection{{IncludeAll: &struct{}{}}}}})
	}
	for _, c := range catalogs {
		res := oscalResult{UUID: nameUUID("result", c, ts), Title: c, Description: "Current assessments of catalog " + c + " recorded in medsec.",
			Start: ts, Props: []oscalProp{{Name: "catalog-id", NS: oscalNS, Value: c}}}
		res.ReviewedControls.ControlSelections = make([]oscalSelection, 1)
		seen := map[string]bool{}
		for _, a := range byCatalog[c] {
			if !seen[a.ControlID] {
				seen[a.ControlID] = true
				res.ReviewedControls.ControlSelections[0].IncludeControls = append(res.ReviewedControls.ControlSelections[0].IncludeControls, oscalControlRef{a.ControlID})
			}
			subj := oscalSubject{SubjectUUID: nameUUID("organisation"), Type: "party", Title: "organisation"}
			if a.AssetID != medsec.Organisation {
				subj = oscalSubject{SubjectUUID: nameUUID("asset", a.AssetID), Type: "inventory-item", Title: a.AssetName,
					Props: []oscalProp{{Name: "asset-id", NS: oscalNS, Value: strconv.FormatInt(a.AssetID, 10)}}}
			}
			obs := oscalObservation{UUID: nameUUID("observation", a.ID), Methods: []string{"EXAMINE"}, Subjects: []oscalSubject{subj},
				Collected:   a.CreatedAt.UTC().Format(time.RFC3339),
				Description: fmt.Sprintf("%s assessed %s as %s on %s.", a.Assessor, a.ControlID, a.Status, a.AssessedOn),
				Props: []oscalProp{{Name: "status", NS: oscalNS, Value: string(a.Status)}, {Name: "assessor", NS: oscalNS, Value: a.Assessor},
					{Name: "assessed-on", NS: oscalNS, Value: a.AssessedOn.String()}}, Remarks: a.Notes}
			if !a.NextReview.IsZero() {
				obs.Props = append(obs.Props, oscalProp{Name: "next-review", NS: oscalNS, Value: a.NextReview.String()})
			}
			if a.Compensating != "" {
				obs.Props = append(obs.Props, oscalProp{Name: "compensating-measure", NS: oscalNS, Value: a.Compensating})
			}
			if a.Reason != "" {
				obs.Props = append(obs.Props, oscalProp{Name: "not-applicable-reason", NS: oscalNS, Value: a.Reason})
			}
			for _, e := range a.Evidence {
				obs.RelevantEvidence = append(obs.RelevantEvidence, oscalEvidence{Href: "/api/v1/evidence/" + e.SHA256,
					Description: fmt.Sprintf("%s (sha256:%s, %d bytes)", e.Name, e.SHA256, e.Size)})
			}
			for _, l := range a.Links {
				obs.RelevantEvidence = append(obs.RelevantEvidence, oscalEvidence{Href: l, Description: "link"})
			}
			f := oscalFinding{UUID: nameUUID("finding", a.ID), Title: a.ControlID + " · " + subj.Title,
				Description: obs.Description, Props: []oscalProp{{Name: "status", NS: oscalNS, Value: string(a.Status)}},
				RelatedObservations: []oscalRelObs{{obs.UUID}}}
			f.Target.Type, f.Target.TargetID = "objective-id", a.ControlID
			switch a.Status {
			case medsec.AssessImplemented, medsec.AssessCompensating, medsec.AssessNotApplicable:
				f.Target.Status.State = "satisfied"
			default:
				f.Target.Status.State = "not-satisfied"
			}
			if a.Status == medsec.AssessCompensating || a.Status == medsec.AssessNotApplicable {
				f.Target.Status.Reason = string(a.Status)
			}
			res.Observations = append(res.Observations, obs)
			res.Findings = append(res.Findings, f)
		}
		doc.AR.Results = append(doc.AR.Results, res)
	}
	return doc
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func writeOSCAL(w io.Writer, doc oscalARDocument) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write OSCAL assessment results: %w", err)
	}
	return nil
}
