package http

import (
	"net/http"

	"medsec"
)

// notifyAPIRoutes are the notification routes: each user's own preferences, and the
// administrator's settings, webhooks, test messages and delivery log.
func notifyAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/me/notifications", Handler: s.apiNotifyPrefsGet},
		{Method: "PUT", Path: "/api/v1/me/notifications", Handler: s.apiNotifyPrefsUpdate},
		{Method: "GET", Path: "/api/v1/notifications/settings", Perm: medsec.PermUserAdmin, Handler: s.apiNotifySettingsGet},
		{Method: "PUT", Path: "/api/v1/notifications/settings", Perm: medsec.PermUserAdmin, Handler: s.apiNotifySettingsUpdate},
		{Method: "GET", Path: "/api/v1/notifications/webhooks", Perm: medsec.PermUserAdmin, Handler: s.apiWebhookList},
		{Method: "POST", Path: "/api/v1/notifications/webhooks", Perm: medsec.PermUserAdmin, Handler: s.apiWebhookCreate},
		{Method: "PUT", Path: "/api/v1/notifications/webhooks/{id}", Perm: medsec.PermUserAdmin, Handler: s.apiWebhookUpdate},
		{Method: "DELETE", Path: "/api/v1/notifications/webhooks/{id}", Perm: medsec.PermUserAdmin, Handler: s.apiWebhookDelete},
		{Method: "POST", Path: "/api/v1/notifications/test", Perm: medsec.PermUserAdmin, Handler: s.apiNotifyTest},
		{Method: "GET", Path: "/api/v1/notifications/deliveries", Perm: medsec.PermUserAdmin, Handler: s.apiDeliveryList},
		{Method: "POST", Path: "/api/v1/notifications/deliveries/{id}/withdraw", Perm: medsec.PermUserAdmin, Handler: s.apiNoticeWithdraw},
	}
}

func (s *Server) apiNotifyPrefsGet(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Notifications.FindNotifyPrefs(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiNotifyPrefsUpdate(w http.ResponseWriter, r *http.Request) error {
	var p medsec.NotifyPrefs
	if err := readJSON(r, &p); err != nil {
		return err
	}
	if err := s.Notifications.UpdateNotifyPrefs(r.Context(), p); err != nil {
		return err
	}
	return s.apiNotifyPrefsGet(w, r)
}

func (s *Server) apiNotifySettingsGet(w http.ResponseWriter, r *http.Request) error {
	set, err := s.Notifications.FindNotifySettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

func (s *Server) apiNotifySettingsUpdate(w http.ResponseWriter, r *http.Request) error {
	var set medsec.NotifySettings
	if err := readJSON(r, &set); err != nil {
		return err
	}
	if err := s.Notifications.UpdateNotifySettings(r.Context(), set); err != nil {
		return err
	}
	return s.apiNotifySettingsGet(w, r)
}

func (s *Server) apiWebhookList(w http.ResponseWriter, r *http.Request) error {
	return writeAll(w, r, s.Notifications.FindWebhooks)
}

func (s *Server) apiWebhookCreate(w http.ResponseWriter, r *http.Request) error {
	return createJSON(w, r, s.Notifications.CreateWebhook, &medsec.Webhook{})
}

func (s *Server) apiWebhookUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var hook medsec.Webhook
	if err := readJSON(r, &hook); err != nil {
		return err
	}
	hook.ID = id
	if err := s.Notifications.UpdateWebhook(r.Context(), &hook); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &hook)
	return nil
}

func (s *Server) apiWebhookDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Notifications.DeleteWebhook(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// notifyTestInput names where a test message goes: an e-mail address or a webhook.
type notifyTestInput struct {
	To        string `json:"to,omitempty"`
	WebhookID int64  `json:"webhook_id,omitempty"`
}

// apiNotifyTest sends a test message and answers with its delivery row: 200 when it was
// delivered, 502 with the row (and its error) when the server or webhook refused it.
func (s *Server) apiNotifyTest(w http.ResponseWriter, r *http.Request) error {
	var in notifyTestInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	var d *medsec.Delivery
	var err error
	switch {
	case in.WebhookID != 0 && in.To == "":
		d, err = s.NotifyTester.SendTestWebhook(r.Context(), in.WebhookID)
	case in.To != "" && in.WebhookID == 0:
		d, err = s.NotifyTester.SendTestEmail(r.Context(), in.To)
	default:
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "to", Key: "err.required", Message: "give either to (an e-mail address) or webhook_id"}}}
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if d.Result != medsec.DeliverySent {
		status = http.StatusBadGateway
	}
	writeJSON(w, status, d)
	return nil
}

func (s *Server) apiDeliveryList(w http.ResponseWriter, r *http.Request) error {
	f := medsec.DeliveryFilter{Result: r.URL.Query().Get("result"), Offset: queryInt(r, "offset", 0), Limit: queryInt(r, "limit", 100)}
	items, total, err := s.Notifications.FindDeliveries(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.Delivery]{Items: items, Total: total, Offset: f.Offset, Limit: f.Limit})
	return nil
}

// noticeWithdrawInput is why a notice is withdrawn (and the correction, if any).
type noticeWithdrawInput struct {
	Reason string `json:"reason"`
}

// apiNoticeWithdraw withdraws the notice delivery {id} carried (every delivery of its
// dedup key) and tells everyone it reached; it answers with the withdrawal.
func (s *Server) apiNoticeWithdraw(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var in noticeWithdrawInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	wd, err := s.NoticeWithdrawer.WithdrawNotice(r.Context(), id, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wd)
	return nil
}
