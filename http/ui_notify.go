package http

import (
	"net/http"
	"strconv"
	"strings"

	"medsec"
	"medsec/i18n"
)

// notifyData is the administrator's notification page: the SMTP settings, the webhooks,
// a test message and the delivery log.
type notifyData struct {
	Settings   medsec.NotifySettings
	Webhooks   []*medsec.Webhook
	Sites      []*medsec.Site
	Kinds      []medsec.NotificationKind
	Languages  []string
	Deliveries []*medsec.Delivery
	Total      int
	Offset     int
	Limit      int
	TestTo     string
}

func (s *Server) uiNotify(w http.ResponseWriter, r *http.Request) error {
	return s.renderNotify(w, r, http.StatusOK, nil, nil)
}

// renderNotify shows the page; form, when set, replaces the stored settings (a form that
// failed validation is shown as typed).
func (s *Server) renderNotify(w http.ResponseWriter, r *http.Request, status int, form *medsec.NotifySettings, formErr error) error {
	ctx := r.Context()
	d := &notifyData{Kinds: medsec.NotificationKinds, Languages: i18n.Languages, Limit: 50, Offset: queryInt(r, "offset", 0)}
	var err error
	if d.Settings, err = s.Notifications.FindNotifySettings(ctx); err != nil {
		return err
	}
	if form != nil {
		form.SMTP.PasswordSet = d.Settings.SMTP.PasswordSet
		d.Settings = *form
	}
	if d.Webhooks, err = s.Notifications.FindWebhooks(ctx); err != nil {
		return err
	}
	if d.Sites, err = s.Org.FindSites(ctx); err != nil {
		return err
	}
	if d.Deliveries, d.Total, err = s.Notifications.FindDeliveries(ctx, medsec.DeliveryFilter{Offset: d.Offset, Limit: d.Limit}); err != nil {
		return err
	}
	d.TestTo = r.PostFormValue("to")
	p := s.newPage(r, "notify.title")
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "notify", p)
	return nil
}

func (s *Server) uiNotifySettings(w http.ResponseWriter, r *http.Request) error {
	port, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("port")))
	set := medsec.NotifySettings{PublicURL: r.PostFormValue("public_url"), SMTP: medsec.SMTPSettings{
		Host: r.PostFormValue("host"), Port: port, TLSPolicy: r.PostFormValue("tls_policy"), Username: r.PostFormValue("username"),
		Password: r.PostFormValue("password"), ClearPassword: r.PostFormValue("clear_password") == "on",
		From: r.PostFormValue("from"), CAFile: r.PostFormValue("ca_file")}}
	if err := s.Notifications.UpdateNotifySettings(r.Context(), set); err != nil {
		set.SMTP.Password = ""
		return s.renderNotify(w, r, errorStatus(err), &set, err)
	}
	flash(w, "notify.settings_saved")
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
	return nil
}

// webhookFromForm reads a webhook from its form.
func webhookFromForm(r *http.Request) *medsec.Webhook {
	r.ParseForm()
	h := &medsec.Webhook{Name: r.PostFormValue("name"), URL: r.PostFormValue("url"), Secret: r.PostFormValue("secret"),
		Language: r.PostFormValue("language"), Enabled: r.PostFormValue("enabled") == "on", Kinds: []medsec.NotificationKind{}, SiteIDs: []int64{}}
	for _, k := range r.PostForm["kinds"] {
		h.Kinds = append(h.Kinds, medsec.NotificationKind(k))
	}
	for _, v := range r.PostForm["site_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			h.SiteIDs = append(h.SiteIDs, id)
		}
	}
	return h
}

func (s *Server) uiWebhookCreate(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notifications.CreateWebhook(r.Context(), webhookFromForm(r)); err != nil {
		return s.renderNotify(w, r, errorStatus(err), nil, err)
	}
	flash(w, "notify.webhook_saved")
	http.Redirect(w, r, "/notifications#webhooks", http.StatusSeeOther)
	return nil
}

func (s *Server) uiWebhookUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	h := webhookFromForm(r)
	h.ID = id
	if err := s.Notifications.UpdateWebhook(r.Context(), h); err != nil {
		return s.renderNotify(w, r, errorStatus(err), nil, err)
	}
	flash(w, "notify.webhook_saved")
	http.Redirect(w, r, "/notifications#webhooks", http.StatusSeeOther)
	return nil
}

func (s *Server) uiWebhookDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Notifications.DeleteWebhook(r.Context(), id); err != nil {
		return err
	}
	flash(w, "notify.webhook_deleted")
	http.Redirect(w, r, "/notifications#webhooks", http.StatusSeeOther)
	return nil
}

// uiNotifyTest sends a test e-mail (field "to") or posts to a webhook ({id} in the path)
// and says how it went; the delivery log below shows the server's answer.
func (s *Server) uiNotifyTest(w http.ResponseWriter, r *http.Request) error {
	var d *medsec.Delivery
	var err error
	if r.PathValue("id") != "" {
		id, perr := parseID(r, "id")
		if perr != nil {
			return perr
		}
		d, err = s.NotifyTester.SendTestWebhook(r.Context(), id)
	} else {
		d, err = s.NotifyTester.SendTestEmail(r.Context(), r.PostFormValue("to"))
	}
	if err != nil {
		return s.renderNotify(w, r, errorStatus(err), nil, err)
	}
	if d.Result != medsec.DeliverySent {
		return s.renderNotify(w, r, http.StatusBadGateway, nil, &medsec.Error{Code: medsec.EINVALID, Message: "The test message was not delivered.", Key: "notify.test_failed"})
	}
	flash(w, "notify.test_sent")
	http.Redirect(w, r, "/notifications#deliveries", http.StatusSeeOther)
	return nil
}

// notifyPrefsView is the account page's notification section.
type notifyPrefsView struct {
	Prefs medsec.NotifyPrefs
	Kinds []medsec.NotificationKind
}

// Takes reports whether the preferences include the kind, for the form's checkboxes.
func (v *notifyPrefsView) Takes(k medsec.NotificationKind) bool {
	for _, x := range v.Prefs.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// notifyPrefs returns the calling user's preferences for the account page; nil when they
// cannot be read (the section is then left out and the cause logged).
func (s *Server) notifyPrefs(r *http.Request) *notifyPrefsView {
	if s.Notifications == nil {
		return nil
	}
	p, err := s.Notifications.FindNotifyPrefs(r.Context())
	if err != nil {
		s.logIfInternal(r, err)
		return nil
	}
	return &notifyPrefsView{Prefs: p, Kinds: medsec.NotificationKinds}
}

func (s *Server) uiNotifyPrefs(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	p := medsec.NotifyPrefs{Email: r.PostFormValue("email"), Delivery: r.PostFormValue("delivery"), Kinds: []medsec.NotificationKind{}}
	for _, k := range r.PostForm["kinds"] {
		p.Kinds = append(p.Kinds, medsec.NotificationKind(k))
	}
	if err := s.Notifications.UpdateNotifyPrefs(r.Context(), p); err != nil {
		page := s.newPage(r, "account.title")
		page.Data = &accountData{Notify: &notifyPrefsView{Prefs: p, Kinds: medsec.NotificationKinds}}
		if err := page.showFormError(err); err != nil {
			return err
		}
		s.render(w, r, errorStatus(err), "account", page)
		return nil
	}
	flash(w, "notify.prefs_saved")
	http.Redirect(w, r, "/account#notifications", http.StatusSeeOther)
	return nil
}

// uiNoticeWithdraw withdraws the notice delivery {id} carried, with the reason typed
// (field "reason"); a refusal is shown on the page in the reader's language.
func (s *Server) uiNoticeWithdraw(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.NoticeWithdrawer.WithdrawNotice(r.Context(), id, r.PostFormValue("reason")); err != nil {
		return s.renderNotify(w, r, errorStatus(err), nil, err)
	}
	flash(w, "notify.withdraw_saved")
	http.Redirect(w, r, "/notifications#deliveries", http.StatusSeeOther)
	return nil
}
