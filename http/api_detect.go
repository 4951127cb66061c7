package http

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"medsec"
)

// detectAPIRoutes are the detection routes: alerts and their triage, rules with their
// state per site, import, tests and retro-hunts, and the detection settings [M8].
func detectAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/alerts", Perm: medsec.PermAlertRead, Handler: s.apiAlertList},
		{Method: "GET", Path: "/api/v1/alerts/{id}", Perm: medsec.PermAlertRead, Handler: s.apiAlertGet},
		{Method: "PUT", Path: "/api/v1/alerts/{id}", Perm: medsec.PermAlertWrite, Handler: s.apiAlertUpdate},
		{Method: "GET", Path: "/api/v1/alerts/{id}/assignees", Perm: medsec.PermAlertWrite, Handler: s.apiAlertAssignees},
		{Method: "GET", Path: "/api/v1/rules", Perm: medsec.PermRuleRead, Handler: s.apiRuleList},
		{Method: "POST", Path: "/api/v1/rules/import", Perm: medsec.PermRuleAdmin, Handler: s.apiRuleImport},
		{Method: "POST", Path: "/api/v1/rules/hunt", Perm: medsec.PermRuleAdmin, Handler: s.apiRuleHunt},
		{Method: "GET", Path: "/api/v1/rules/{id}", Perm: medsec.PermRuleRead, Handler: s.apiRuleGet},
		{Method: "DELETE", Path: "/api/v1/rules/{id}", Perm: medsec.PermRuleAdmin, Handler: s.apiRuleDelete},
		{Method: "PUT", Path: "/api/v1/rules/{id}/sites/{site}", Perm: medsec.PermRuleAdmin, Handler: s.apiRuleSite},
		{Method: "GET", Path: "/api/v1/detection/settings", Perm: medsec.PermRuleRead, Handler: s.apiDetectionSettingsGet},
		{Method: "GET", Path: "/api/v1/detection/status", Perm: medsec.PermRuleRead, Handler: s.apiDetectionStatus},
		{Method: "PUT", Path: "/api/v1/detection/settings", Perm: medsec.PermRuleAdmin, Handler: s.apiDetectionSettingsUpdate},
		{Method: "GET", Path: "/api/v1/suppressions", Perm: medsec.PermRuleRead, Handler: s.apiSuppressionList},
		{Method: "POST", Path: "/api/v1/suppressions", Perm: medsec.PermRuleAdmin, Handler: s.apiSuppressionCreate},
		{Method: "POST", Path: "/api/v1/suppressions/{id}/expire", Perm: medsec.PermRuleAdmin, Handler: s.apiSuppressionExpire},
	}
}

// alertFilter reads the alert filters of a query: status (a state, "open", or "all" or
// empty for every state), site, level (a Sigma level), rule, assignee, asset, offset and
// limit. An unknown status or level is a ValidationError naming the parameter and the
// values allowed.
func alertFilter(r *http.Request, def int) (medsec.AlertFilter, error) {
	q := r.URL.Query()
	f := medsec.AlertFilter{Level: q.Get("level")}
	var errs []medsec.FieldError
	switch st := q.Get("status"); {
	case st == "" || st == "all":
	case st == "open":
		f.Open = true
	case slices.Contains(medsec.AlertStatuses, medsec.AlertStatus(st)):
		f.Status = medsec.AlertStatus(st)
	default:
		errs = append(errs, medsec.FieldError{Field: "status", Key: "err.unknown_value", Message: "must be one of open, all, new, acknowledged, investigating, closed_true_positive, closed_false_positive"})
	}
	if f.Level != "" && !slices.Contains(medsec.RuleLevels, f.Level) {
		errs = append(errs, medsec.FieldError{Field: "level", Key: "err.unknown_value", Message: "must be one of " + strings.Join(medsec.RuleLevels, ", ")})
	}
	if len(errs) > 0 {
		return f, &medsec.ValidationError{Errors: errs}
	}
	for _, p := range []struct {
		name string
		v    *int64
	}{{"site", &f.SiteID}, {"rule", &f.RuleID}, {"assignee", &f.AssigneeID}, {"asset", &f.AssetID}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return f, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: p.name, Key: "err.bad_number", Message: "must be a number"}}}
			}
			*p.v = n
		}
	}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	if f.Limit == 0 {
		f.Limit = def
	}
	return f, nil
}

func (s *Server) apiAlertList(w http.ResponseWriter, r *http.Request) error {
	f, err := alertFilter(r, 50)
	if err != nil {
		return err
	}
	alerts, total, err := s.Alerts.FindAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": alerts, "total": total})
	return nil
}

// apiAlertAssignees lists the users the alert may be assigned to.
func (s *Server) apiAlertAssignees(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	users, err := s.Alerts.FindAlertAssignees(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]alertAssignee, len(users))
	for i, u := range users {
		out[i] = alertAssignee{u.ID, u.Username, u.DisplayName}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// alertAssignee is a user as the assignee list names it: no contact details or rights.
type alertAssignee struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
}

func (s *Server) apiAlertGet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Alerts.FindAlertByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) apiAlertUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var u medsec.AlertUpdate
	if err := readJSON(r, &u); err != nil {
		return err
	}
	a, err := s.Alerts.UpdateAlert(r.Context(), id, u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) apiRuleList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	rules, err := s.Rules.FindRules(r.Context(), medsec.RuleFilter{Origin: q.Get("origin"), Kind: q.Get("kind"), Query: q.Get("q")})
	if err != nil {
		return err
	}
	if rules == nil {
		rules = []*medsec.DetectionRule{}
	}
	s.markRuleErrors(rules...)
	writeJSON(w, http.StatusOK, rules)
	return nil
}

// markRuleErrors sets the Error of the rules the detection engine cannot run.
func (s *Server) markRuleErrors(rules ...*medsec.DetectionRule) {
	if s.Detection == nil {
		return
	}
	errs := s.Detection.RuleErrors()
	byID := map[int64]medsec.RuleRegexTimeouts{}
	for _, rt := range s.Detection.Status().Rules {
		byID[rt.RuleID] = rt
	}
	for _, r := range rules {
		r.Error = errs[r.ID]
		rt := byID[r.ID]
		r.RegexTimeouts, r.LateMatches, r.LateNewest = rt.RegexTimeouts, rt.LateMatches, rt.LateNewest
	}
}

// apiDetectionStatus answers the state of detection since the server started: alerts
// waiting for the store, store failures, regular-expression time-outs per rule.
func (s *Server) apiDetectionStatus(w http.ResponseWriter, r *http.Request) error {
	if s.Detection == nil {
		return medsec.Errorf(medsec.ENOTFOUND, "detection is not running on this server")
	}
	writeJSON(w, http.StatusOK, s.Detection.Status())
	return nil
}

func (s *Server) apiRuleGet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	rule, err := s.Rules.FindRuleByID(r.Context(), id)
	if err != nil {
		return err
	}
	s.markRuleErrors(rule)
	writeJSON(w, http.StatusOK, rule)
	return nil
}

func (s *Server) apiRuleImport(w http.ResponseWriter, r *http.Request) error {
	name, data, err := uploadedFile(r)
	if err != nil {
		return err
	}
	rules, err := s.Detection.ImportRules(r.Context(), name, data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"imported": len(rules), "rules": rules})
	return nil
}

func (s *Server) apiRuleHunt(w http.ResponseWriter, r *http.Request) error {
	var req medsec.HuntRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	res, err := s.Detection.Hunt(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiRuleDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Detection.DeleteRule(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// parseSiteID reads a path's site: a site ID, or 0 for the organisation.
func parseSiteID(r *http.Request, name string) (int64, error) {
	var id int64
	if _, err := fmt.Sscan(r.PathValue(name), &id); err != nil || id < 0 {
		return 0, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	return id, nil
}

func (s *Server) apiRuleSite(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	site, err := parseSiteID(r, "site")
	if err != nil {
		return err
	}
	var body struct {
		Enabled *bool `json:"enabled"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if body.Enabled == nil {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "enabled", Key: "err.required", Message: "is required"}}}
	}
	if err := s.Detection.SetRuleEnabled(r.Context(), id, site, *body.Enabled); err != nil {
		return err
	}
	return s.apiRuleGet(w, r)
}

func (s *Server) apiDetectionSettingsGet(w http.ResponseWriter, r *http.Request) error {
	set, err := s.Rules.FindDetectionSettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

func (s *Server) apiDetectionSettingsUpdate(w http.ResponseWriter, r *http.Request) error {
	var set medsec.DetectionSettings
	if err := readJSON(r, &set); err != nil {
		return err
	}
	if err := s.Detection.UpdateDetectionSettings(r.Context(), set); err != nil {
		return err
	}
	return s.apiDetectionSettingsGet(w, r)
}

// suppressionFilter reads the filters of a suppression list: rule, site (absent: every
// site of the caller's) and active.
func suppressionFilter(r *http.Request) (medsec.SuppressionFilter, error) {
	q := r.URL.Query()
	f := medsec.SuppressionFilter{AnySite: q.Get("site") == "", Active: q.Get("active") == "true"}
	for _, p := range []struct {
		name string
		v    *int64
	}{{"rule", &f.RuleID}, {"site", &f.SiteID}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return f, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: p.name, Key: "err.bad_number", Message: "must be a number"}}}
			}
			*p.v = n
		}
	}
	if a := q.Get("active"); a != "" && a != "true" && a != "false" {
		return f, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "active", Key: "err.unknown_value", Message: "must be true or false"}}}
	}
	return f, nil
}

// suppressionsOff answers when the server keeps no suppressions (detection is not
// running).
func (s *Server) suppressionsOff() error {
	if s.Suppressions == nil || s.Detection == nil {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	return nil
}

func (s *Server) apiSuppressionList(w http.ResponseWriter, r *http.Request) error {
	if err := s.suppressionsOff(); err != nil {
		return err
	}
	f, err := suppressionFilter(r)
	if err != nil {
		return err
	}
	list, err := s.Suppressions.FindSuppressions(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) apiSuppressionCreate(w http.ResponseWriter, r *http.Request) error {
	if err := s.suppressionsOff(); err != nil {
		return err
	}
	var x medsec.Suppression
	if err := readJSON(r, &x); err != nil {
		return err
	}
	in := medsec.Suppression{RuleID: x.RuleID, SiteID: x.SiteID, Host: x.Host, User: x.User, Source: x.Source, Reason: x.Reason, ExpiresAt: x.ExpiresAt}
	if err := s.Detection.CreateSuppression(r.Context(), &in); err != nil {
		return err
	}
	out, err := s.Suppressions.FindSuppressionByID(r.Context(), in.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) apiSuppressionExpire(w http.ResponseWriter, r *http.Request) error {
	if err := s.suppressionsOff(); err != nil {
		return err
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Detection.ExpireSuppression(r.Context(), id); err != nil {
		return err
	}
	out, err := s.Suppressions.FindSuppressionByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
