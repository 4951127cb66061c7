package http

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"medsec"
)

// aliasService is what the alias pages and API need of the vulnerability service: the
// vendor alias table (issue 11: manufacturer names normalised for matching).
type aliasService interface {
	// FindVendorAliases returns the table, built-in lines and the hospital's.
	FindVendorAliases(ctx context.Context) ([]*medsec.VendorAlias, error)
	// SetVendorAlias records a line and matches again.
	SetVendorAlias(ctx context.Context, alias, canonical string) error
	// DeleteVendorAlias removes the hospital's line and matches again.
	DeleteVendorAlias(ctx context.Context, alias string) error
	// FindProductAliases returns the product alias table (t11 finding 4).
	FindProductAliases(ctx context.Context) ([]*medsec.ProductAlias, error)
	// AddProductAlias records a product alias line and matches its model's devices again.
	AddProductAlias(ctx context.Context, p *medsec.ProductAlias) error
	// DeleteProductAlias removes a product alias line and matches its model's devices again.
	DeleteProductAlias(ctx context.Context, id int64) error
}

// aliasPage is what the alias page shows: both tables.
type aliasPage struct {
	Vendors  []*medsec.VendorAlias
	Products []*medsec.ProductAlias
}

// aliases returns the alias table's service, or ENOTFOUND when the server runs without it.
func (s *Server) aliases() (aliasService, error) {
	v, err := s.vulns()
	if err != nil {
		return nil, err
	}
	a, ok := v.(aliasService)
	if !ok {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	return a, nil
}

// aliasAPIRoutes are the REST endpoints of the vendor alias table.
func aliasAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/vendor-aliases", Perm: medsec.PermInventoryRead, Handler: s.apiAliasList},
		{Method: "POST", Path: "/api/v1/vendor-aliases", Perm: medsec.PermInventoryWrite, Handler: s.apiAliasSet},
		{Method: "DELETE", Path: "/api/v1/vendor-aliases/{alias}", Perm: medsec.PermInventoryWrite, Handler: s.apiAliasDelete},
		{Method: "GET", Path: "/api/v1/product-aliases", Perm: medsec.PermInventoryRead, Handler: s.apiProductAliasList},
		{Method: "POST", Path: "/api/v1/product-aliases", Perm: medsec.PermInventoryWrite, Handler: s.apiProductAliasAdd},
		{Method: "DELETE", Path: "/api/v1/product-aliases/{id}", Perm: medsec.PermInventoryWrite, Handler: s.apiProductAliasDelete},
	}
}

func (s *Server) apiProductAliasList(w http.ResponseWriter, r *http.Request) error {
	a, err := s.aliases()
	if err != nil {
		return err
	}
	ps, err := a.FindProductAliases(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf(ps))
	return nil
}

func (s *Server) apiProductAliasAdd(w http.ResponseWriter, r *http.Request) error {
	a, err := s.aliases()
	if err != nil {
		return err
	}
	var in medsec.ProductAlias
	if err := readJSON(r, &in); err != nil {
		return err
	}
	in.ID = 0
	if err := a.AddProductAlias(r.Context(), &in); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &in)
	return nil
}

func (s *Server) apiProductAliasDelete(w http.ResponseWriter, r *http.Request) error {
	a, err := s.aliases()
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	if err := a.DeleteProductAlias(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiAliasList(w http.ResponseWriter, r *http.Request) error {
	a, err := s.aliases()
	if err != nil {
		return err
	}
	as, err := a.FindVendorAliases(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf(as))
	return nil
}

func (s *Server) apiAliasSet(w http.ResponseWriter, r *http.Request) error {
	a, err := s.aliases()
	if err != nil {
		return err
	}
	var in medsec.VendorAlias
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if err := a.SetVendorAlias(r.Context(), in.Alias, in.Canonical); err != nil {
		return err
	}
	in.Builtin = false
	in.CreatedAt = s.now().UTC()
	writeJSON(w, http.StatusCreated, &in)
	return nil
}

func (s *Server) apiAliasDelete(w http.ResponseWriter, r *http.Request) error {
	a, err := s.aliases()
	if err != nil {
		return err
	}
	if err := a.DeleteVendorAlias(r.Context(), r.PathValue("alias")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// aliasUIRoutes are the alias table's page and forms.
func (s *Server) aliasUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /vulnerabilities/aliases", s.ui(medsec.PermInventoryRead, s.uiAliasList))
	mux.Handle("POST /vulnerabilities/aliases", s.ui(medsec.PermInventoryWrite, s.uiAliasSet))
	mux.Handle("POST /vulnerabilities/aliases/delete", s.ui(medsec.PermInventoryWrite, s.uiAliasDelete))
	mux.Handle("POST /vulnerabilities/aliases/products", s.ui(medsec.PermInventoryWrite, s.uiProductAliasAdd))
	mux.Handle("POST /vulnerabilities/aliases/products/delete", s.ui(medsec.PermInventoryWrite, s.uiProductAliasDelete))
}

func (s *Server) uiProductAliasAdd(w http.ResponseWriter, r *http.Request) error {
	a, err := s.aliases()
	if err != nil {
		return err
	}
	p := &medsec.ProductAlias{Vendor: r.PostFormValue("vendor"), Name: r.PostFormValue("name"), Model: r.PostFormValue("model")}
	return s.aliasFormDone(w, r, a.AddProductAlias(r.Context(), p), "palias.saved")
}

func (s *Server) uiProductAliasDelete(w http.ResponseWriter, r *http.Request) error {
	a, err := s.aliases()
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	return s.aliasFormDone(w, r, a.DeleteProductAlias(r.Context(), id), "palias.removed")
}

func (s *Server) renderAliases(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	a, err := s.aliases()
	if err != nil {
		return err
	}
	as, err := a.FindVendorAliases(r.Context())
	if err != nil {
		return err
	}
	ps, err := a.FindProductAliases(r.Context())
	if err != nil {
		return err
	}
	p := s.newPage(r, "alias.title")
	p.Data = aliasPage{Vendors: as, Products: ps}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "vuln_aliases", p)
	return nil
}

func (s *Server) uiAliasList(w http.ResponseWriter, r *http.Request) error {
	return s.renderAliases(w, r, http.StatusOK, nil)
}

// aliasFormDone shows a form's refusal on the page (invalid, or forbidden for a user
// limited to sites), else flashes and goes back to the table.
func (s *Server) aliasFormDone(w http.ResponseWriter, r *http.Request, err error, saved string) error {
	if err != nil {
		switch medsec.ErrorCode(err) {
		case medsec.EINVALID, medsec.ENOTFOUND:
			return s.renderAliases(w, r, errorStatus(err), asFormError(err))
		}
		return err
	}
	flash(w, saved)
	http.Redirect(w, r, "/vulnerabilities/aliases", http.StatusSeeOther)
	return nil
}

// asFormError turns an ENOTFOUND into the conflict-style error the page shows on top.
func asFormError(err error) error {
	var e *medsec.Error
	if medsec.ErrorCode(err) == medsec.ENOTFOUND && errors.As(err, &e) && e.Denied == "" {
		c := *e
		c.Code = medsec.EINVALID
		return &c
	}
	return err
}

func (s *Server) uiAliasSet(w http.ResponseWriter, r *http.Request) error {
	a, err := s.aliases()
	if err != nil {
		return err
	}
	return s.aliasFormDone(w, r, a.SetVendorAlias(r.Context(), r.PostFormValue("alias"), r.PostFormValue("canonical")), "alias.saved")
}

func (s *Server) uiAliasDelete(w http.ResponseWriter, r *http.Request) error {
	a, err := s.aliases()
	if err != nil {
		return err
	}
	return s.aliasFormDone(w, r, a.DeleteVendorAlias(r.Context(), r.PostFormValue("alias")), "alias.removed")
}
