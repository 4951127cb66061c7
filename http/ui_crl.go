package http

import (
	"net/http"
	"strconv"
	"strings"

	"medsec"
)

// crlPageData is an asset's yearly risk reviews with the form for a new one.
type crlPageData struct {
	Asset   *medsec.Asset
	Reviews []*medsec.CRLReview
	Levels  []string
	Form    *medsec.CRLReview
	Invalid map[string]bool
}

func (s *Server) crlPage(w http.ResponseWriter, r *http.Request, status int, id int64, form *medsec.CRLReview, err error) error {
	a, ferr := s.Assets.FindAssetByID(r.Context(), id)
	if ferr != nil {
		return ferr
	}
	reviews, ferr := s.Zones.FindCRLReviews(r.Context(), id)
	if ferr != nil {
		return ferr
	}
	if form == nil {
		form = &medsec.CRLReview{Year: s.now().Year(), Level: medsec.CRLLow, Date: medsec.DateOf(s.now())}
	}
	d := &crlPageData{Asset: a, Reviews: reviews, Levels: medsec.CRLLevels, Form: form, Invalid: map[string]bool{}}
	p := s.newPage(r, "crl.title")
	p.Title = p.T("crl.title") + " · " + a.Name
	p.Data = d
	if err := s.zoneFormError(p, err, d.Invalid); err != nil {
		return err
	}
	s.render(w, r, status, "crl_asset", p)
	return nil
}

func (s *Server) uiCRLShow(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	return s.crlPage(w, r, http.StatusOK, id, nil, nil)
}

func crlLines(s string) []string { return strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") }

func (s *Server) uiCRLCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	r.ParseForm()
	rv := &medsec.CRLReview{AssetID: id, Level: r.PostFormValue("level"), Method: r.PostFormValue("method"),
		Reasons: crlLines(r.PostFormValue("reasons")), Actions: crlLines(r.PostFormValue("actions")), Assessor: r.PostFormValue("assessor")}
	rv.Year, _ = strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	var errs []medsec.FieldError
	if rv.Date, err = medsec.ParseDate(strings.TrimSpace(r.PostFormValue("date"))); err != nil {
		errs = append(errs, medsec.FieldError{Field: "date", Key: "err.bad_date", Message: err.Error()})
	}
	if len(errs) > 0 {
		return s.crlPage(w, r, http.StatusUnprocessableEntity, id, rv, &medsec.ValidationError{Errors: errs})
	}
	if err := s.Zones.CreateCRLReview(r.Context(), rv); err != nil {
		return s.crlPage(w, r, errorStatus(err), id, rv, err)
	}
	flash(w, "crl.created")
	http.Redirect(w, r, "/assets/"+strconv.FormatInt(id, 10)+"/crl", http.StatusSeeOther)
	return nil
}

// crlMissingData lists the devices without this year's review.
type crlMissingData struct {
	siteChoice
	Year   int
	Assets []*medsec.Asset
}

func (s *Server) uiCRLMissing(w http.ResponseWriter, r *http.Request) error {
	c, err := s.chooseSite(r)
	if err != nil {
		return err
	}
	assets, err := s.Zones.MissingCRLReviews(r.Context(), c.SiteID)
	if err != nil {
		return err
	}
	p := s.newPage(r, "crl.missing_title")
	p.Data = &crlMissingData{siteChoice: c, Year: s.now().Year(), Assets: assets}
	s.render(w, r, http.StatusOK, "crl_missing", p)
	return nil
}
