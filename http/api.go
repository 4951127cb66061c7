package http

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"medsec"
)

// apiRoute is one REST endpoint. Perm is the permission the route needs; "" means any
// logged-in user, and Public routes need no login at all. The OpenAPI document lists
// exactly these routes (a test checks).
type apiRoute struct {
	Method string
	Path   string
	Perm   medsec.Permission
	Public bool
	// SourceToken routes also take a log source's token (logs sent over HTTPS) in place
	// of a user; a user's token still meets Perm.
	SourceToken bool
	Handler     func(w http.ResponseWriter, r *http.Request) error
}

func apiRoutes(s *Server) []apiRoute {
	routes := []apiRoute{
		{Method: "GET", Path: "/api/v1/openapi.json", Public: true, Handler: s.apiOpenAPI},
		{Method: "GET", Path: "/api/v1/me", Handler: s.apiMe},
		{Method: "GET", Path: "/api/v1/me/tokens", Handler: s.apiMyTokens},
		{Method: "POST", Path: "/api/v1/me/tokens", Handler: s.apiMyTokenCreate},
		{Method: "DELETE", Path: "/api/v1/tokens/{id}", Handler: s.apiTokenDelete},
		{Method: "GET", Path: "/api/v1/search", Perm: medsec.PermInventoryRead, Handler: s.apiSearch},
		{Method: "GET", Path: "/api/v1/assets", Perm: medsec.PermInventoryRead, Handler: s.apiAssetList},
		{Method: "POST", Path: "/api/v1/assets", Perm: medsec.PermInventoryWrite, Handler: s.apiAssetCreate},
		{Method: "GET", Path: "/api/v1/assets/export", Perm: medsec.PermInventoryRead, Handler: s.exportAssets},
		{Method: "POST", Path: "/api/v1/assets/import", Perm: medsec.PermInventoryWrite, Handler: s.apiAssetImport},
		{Method: "GET", Path: "/api/v1/assets/import/template", Perm: medsec.PermInventoryRead, Handler: s.assetTemplate},
		{Method: "GET", Path: "/api/v1/assets/{id}", Perm: medsec.PermInventoryRead, Handler: s.apiAssetGet},
		{Method: "PUT", Path: "/api/v1/assets/{id}", Perm: medsec.PermInventoryWrite, Handler: s.apiAssetUpdate},
		{Method: "POST", Path: "/api/v1/assets/{id}/retire", Perm: medsec.PermInventoryWrite, Handler: s.apiAssetRetire},
		{Method: "POST", Path: "/api/v1/assets/bulk", Perm: medsec.PermInventoryWrite, Handler: s.apiAssetBulk},
		{Method: "GET", Path: "/api/v1/sites", Perm: medsec.PermInventoryRead, Handler: s.apiSiteList},
		{Method: "POST", Path: "/api/v1/sites", Perm: medsec.PermSiteAdmin, Handler: s.apiSiteCreate},
		{Method: "PUT", Path: "/api/v1/sites/{id}", Perm: medsec.PermSiteAdmin, Handler: s.apiSiteUpdate},
		{Method: "POST", Path: "/api/v1/sites/{id}/retire", Perm: medsec.PermSiteAdmin, Handler: s.apiSiteRetire},
		{Method: "GET", Path: "/api/v1/departments", Perm: medsec.PermInventoryRead, Handler: s.apiDepartmentList},
		{Method: "POST", Path: "/api/v1/departments", Perm: medsec.PermInventoryWrite, Handler: s.apiDepartmentCreate},
		{Method: "PUT", Path: "/api/v1/departments/{id}", Perm: medsec.PermInventoryWrite, Handler: s.apiDepartmentUpdate},
		{Method: "DELETE", Path: "/api/v1/departments/{id}", Perm: medsec.PermInventoryWrite, Handler: s.apiDepartmentDelete},
		{Method: "GET", Path: "/api/v1/people", Perm: medsec.PermInventoryRead, Handler: s.apiPersonList},
		{Method: "POST", Path: "/api/v1/people", Perm: medsec.PermInventoryWrite, Handler: s.apiPersonCreate},
		{Method: "PUT", Path: "/api/v1/people/{id}", Perm: medsec.PermInventoryWrite, Handler: s.apiPersonUpdate},
		{Method: "DELETE", Path: "/api/v1/people/{id}", Perm: medsec.PermInventoryWrite, Handler: s.apiPersonDelete},
		{Method: "GET", Path: "/api/v1/vendors", Perm: medsec.PermInventoryRead, Handler: s.apiVendorList},
		{Method: "POST", Path: "/api/v1/vendors", Perm: medsec.PermInventoryWrite, Handler: s.apiVendorCreate},
		{Method: "PUT", Path: "/api/v1/vendors/{id}", Perm: medsec.PermInventoryWrite, Handler: s.apiVendorUpdate},
		{Method: "DELETE", Path: "/api/v1/vendors/{id}", Perm: medsec.PermInventoryWrite, Handler: s.apiVendorDelete},
		{Method: "GET", Path: "/api/v1/discovery", Perm: medsec.PermInventoryRead, Handler: s.apiDiscoveryList},
		{Method: "POST", Path: "/api/v1/discovery", Perm: medsec.PermInventoryWrite, Handler: s.apiDiscoveryCreate},
		{Method: "GET", Path: "/api/v1/discovery/{id}", Perm: medsec.PermInventoryRead, Handler: s.apiDiscoveryGet},
		{Method: "POST", Path: "/api/v1/discovery/{id}/accept", Perm: medsec.PermInventoryWrite, Handler: s.apiDiscoveryAccept},
		{Method: "POST", Path: "/api/v1/discovery/{id}/assets", Perm: medsec.PermInventoryWrite, Handler: s.apiDiscoveryAddAsset},
		{Method: "GET", Path: "/api/v1/audit", Perm: medsec.PermAuditRead, Handler: s.apiAuditList},
		{Method: "GET", Path: "/api/v1/audit/export", Perm: medsec.PermAuditRead, Handler: s.exportAudit},
		{Method: "GET", Path: "/api/v1/audit/{id}", Perm: medsec.PermAuditRead, Handler: s.apiAuditGet},
		{Method: "GET", Path: "/api/v1/users", Perm: medsec.PermUserAdmin, Handler: s.apiUserList},
		{Method: "POST", Path: "/api/v1/users", Perm: medsec.PermUserAdmin, Handler: s.apiUserCreate},
		{Method: "GET", Path: "/api/v1/users/{id}", Perm: medsec.PermUserAdmin, Handler: s.apiUserGet},
		{Method: "PUT", Path: "/api/v1/users/{id}", Perm: medsec.PermUserAdmin, Handler: s.apiUserUpdate},
		{Method: "GET", Path: "/api/v1/users/{id}/tokens", Perm: medsec.PermUserAdmin, Handler: s.apiUserTokens},
		{Method: "GET", Path: "/api/v1/settings", Perm: medsec.PermUserAdmin, Handler: s.apiSettingsGet},
		{Method: "PUT", Path: "/api/v1/settings", Perm: medsec.PermUserAdmin, Handler: s.apiSettingsUpdate},
		{Method: "GET", Path: "/api/v1/directory", Perm: medsec.PermUserAdmin, Handler: s.apiDirectoryGet},
		{Method: "PUT", Path: "/api/v1/directory", Perm: medsec.PermUserAdmin, Handler: s.apiDirectoryUpdate},
		{Method: "POST", Path: "/api/v1/directory/lookup", Perm: medsec.PermUserAdmin, Handler: s.apiDirectoryLookup},
		{Method: "GET", Path: "/api/v1/assessments", Perm: medsec.PermInventoryRead, Handler: s.apiAssessmentList},
		{Method: "POST", Path: "/api/v1/assessments", Perm: medsec.PermInventoryWrite, Handler: s.apiAssessmentCreate},
		{Method: "POST", Path: "/api/v1/assessments/bulk", Perm: medsec.PermInventoryWrite, Handler: s.apiAssessmentBulk},
		{Method: "GET", Path: "/api/v1/assessments/history", Perm: medsec.PermInventoryRead, Handler: s.apiAssessmentHistory},
		{Method: "GET", Path: "/api/v1/assessments/oscal", Perm: medsec.PermInventoryRead, Handler: s.exportOSCAL},
		{Method: "POST", Path: "/api/v1/evidence", Perm: medsec.PermInventoryWrite, Handler: s.apiEvidenceUpload},
		{Method: "GET", Path: "/api/v1/evidence/{sha256}", Perm: medsec.PermInventoryRead, Handler: s.serveEvidence},
		{Method: "GET", Path: "/api/v1/assets/{id}/controls", Perm: medsec.PermInventoryRead, Handler: s.apiAssetControls},
		{Method: "GET", Path: "/api/v1/organisation/controls", Perm: medsec.PermInventoryRead, Handler: s.apiOrganisationControls},
		{Method: "GET", Path: "/api/v1/gap", Perm: medsec.PermInventoryRead, Handler: s.apiGapReport},
		{Method: "GET", Path: "/api/v1/dashboard", Perm: medsec.PermInventoryRead, Handler: s.apiDashboard},
		{Method: "GET", Path: "/api/v1/gap/export", Perm: medsec.PermInventoryRead, Handler: s.exportGap},
		{Method: "GET", Path: "/api/v1/obligations", Perm: medsec.PermInventoryRead, Handler: s.apiObligationCalendar},
		{Method: "GET", Path: "/api/v1/compliance/settings", Perm: medsec.PermInventoryRead, Handler: s.apiComplianceSettingsGet},
		{Method: "PUT", Path: "/api/v1/compliance/settings", Perm: medsec.PermUserAdmin, Handler: s.apiComplianceSettingsUpdate},
	}
	routes = append(routes, notifyAPIRoutes(s)...)
	routes = append(routes, logAPIRoutes(s)...)
	routes = append(routes, sensorAPIRoutes(s)...)
	routes = append(routes, componentAPIRoutes(s)...)
	routes = append(routes, incidentAPIRoutes(s)...)
	routes = append(routes, logStoreAPIRoutes(s)...)
	routes = append(routes, logReviewAPIRoutes(s)...)
	routes = append(routes, accountAPIRoutes(s)...)
	routes = append(routes, emergencyAPIRoutes(s)...)
	routes = append(routes, maintenanceAPIRoutes(s)...)
	routes = append(routes, backupAPIRoutes(s)...)
	routes = append(routes, systemAPIRoutes(s)...)
	routes = append(routes, governanceAPIRoutes(s)...)
	routes = append(routes, detectAPIRoutes(s)...)
	routes = append(routes, vulnAPIRoutes(s)...)
	routes = append(routes, aliasAPIRoutes(s)...)
	routes = append(routes, reportAPIRoutes(s)...)
	routes = append(routes, riskReviewAPIRoutes(s)...)
	return append(routes, zoneAPIRoutes(s)...)
}

// api wraps a route's handler: it authenticates, checks the route's permission (the
// services check again, with the site), and writes errors as JSON.
func (s *Server) api(route apiRoute) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var src *medsec.LogSource
		if route.SourceToken {
			src = s.logSourceByToken(r)
		}
		if src != nil {
			r = withLogSource(r, src)
		} else if !route.Public {
			u := s.authenticate(r)
			if u == nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="medsec"`)
				s.apiError(w, r, medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.code.unauthorized", "Authentication required."))
				return
			}
			r = withUser(r, u)
			if must, err := s.mustEnrolTOTP(r, u); err != nil || must {
				if err == nil {
					err = medsec.ErrTOTPEnrolRequired()
				}
				s.apiError(w, r, err)
				return
			}
			if route.Perm != "" && !u.Role.Can(route.Perm) {
				s.apiError(w, r, medsec.ErrForbidden())
				return
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, 256<<20)
		if err := route.Handler(w, r); err != nil {
			s.apiError(w, r, err)
		}
	})
}

// apiError writes an error as JSON in the request's language (apiLang): "error" says it
// in that language; "code" (and "key" when the error has a message key) stay the same in
// every language, for programs to branch on; a validation error lists its fields under
// "errors", each with its field, key and a message in that language. Internal errors are
// logged and said as the internal error.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	if s.clientGone(r, err) {
		return
	}
	status := errorStatus(err)
	lang := s.apiLang(r)
	body := map[string]any{"error": s.errorText(lang, err), "code": medsec.ErrorCode(err), "lang": lang}
	var e *medsec.Error
	if errors.As(err, &e) && e.Key != "" && e.Code != medsec.EINTERNAL {
		body["key"] = e.Key
	}
	var ve *medsec.ValidationError
	if errors.As(err, &ve) {
		body["code"], body["key"], body["errors"] = medsec.EINVALID, "err.api_invalid", s.apiFieldErrors(lang, ve.Errors)
		if ve.Sheet != "" {
			body["sheet"] = ve.Sheet
		}
		if ve.Source != "" {
			body["source"] = ve.Source // the uploaded file's name, as the client gave it
		}
		status = http.StatusUnprocessableEntity
	}
	switch status {
	case http.StatusInternalServerError:
		s.logger.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case http.StatusForbidden:
		s.denied(r, medsec.ErrorMessage(err))
	default:
		if obj, site := medsec.DeniedObject(err); obj != "" {
			s.deniedAt(r, obj, site) // told "not found", audited as the denial it is
		}
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// jsonError says why a JSON body does not decode, without echoing the input: a field of
// the wrong type or not known to the call is a validation error naming the field (keys
// err.wrong_type, err.unknown_field); a syntax error names its byte offset.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: fieldName(field), Key: "err.wrong_type", Message: "has the wrong type"}}}
	case errors.As(err, &syntaxErr):
		return medsec.ErrorWithKey(medsec.EINVALID, "err.json_syntax", "The request body is not valid JSON: syntax error at byte %d.", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: fieldName(name), Key: "err.unknown_field",
			Message: strings.TrimPrefix(err.Error(), "json: ") + " for this call"}}}
	default:
		return medsec.ErrorWithKey(medsec.EINVALID, "err.json_invalid", "The request body is not valid JSON for this call.")
	}
}

// list is the JSON shape of a page of results.
type list[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// queryInt reads the whole-number query parameter name, def when it is not given. The
// parameters it reads (offset, limit, year, site_id) are checked before any handler runs
// (checkParams): a value that is not a whole number, or is negative, is refused there
// with 422 naming the parameter in the user's language, never read as def.
func queryInt(r *http.Request, name string, def int) int {
	if v, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil && v >= 0 {
		return v
	}
	return def
}

// onlyParams refuses a query parameter that is none of names with a ValidationError
// naming it (err.unknown_param, the parameters the list takes as its argument): a filter
// a list does not know is said, not ignored as if it had selected (bt16).
func onlyParams(r *http.Request, names ...string) error {
	var errs []medsec.FieldError
	for k := range r.URL.Query() {
		if !slices.Contains(names, k) {
			errs = append(errs, medsec.FieldError{Field: fieldName(k), Key: "err.unknown_param", Args: []string{strings.Join(names, ", ")},
				Message: "is not a parameter of this list: use " + strings.Join(names, ", ")})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	slices.SortFunc(errs, func(a, b medsec.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return &medsec.ValidationError{Errors: errs}
}

func queryInt64(r *http.Request, name string) int64 {
	v, _ := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	return v
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, medsec.UserFromContext(r.Context()))
	return nil
}
