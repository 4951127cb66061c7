// Package notify delivers medsec's notifications: e-mail over SMTP with STARTTLS
// (RFC 5321, RFC 3207) and webhooks signed with HMAC-SHA256, per-user preferences with a
// daily digest, deduplication, a delivery log, and the one in-process scheduler that runs
// medsec's periodic jobs (the reminders of overdue obligations, reviews, CRL reviews and
// end of support today; feed fetches, reports and retention as they come).
//
// The package holds the logic and the transports; it imports only the domain and
// libraries. Storage is the Store interface (sqlstore implements it).
package notify

import (
	"fmt"
	"strings"

	"medsec"
)

// Translator renders message keys in a language; *i18n.Bundle is one.
type Translator interface {
	// T returns the message of key in lang, formatted with args.
	T(lang, key string, args ...any) string
	// Match returns the supported language closest to the preferences given.
	Match(prefs ...string) string
}

// Message is a notification rendered in one language.
type Message struct {
	Lang    string
	Subject string
	Body    string
	// URL is the object's address under the public URL, "" when there is none.
	URL string
}

// Render renders n in lang: the message key's subject and body with the arguments (each
// argument that is a key translated too), or the Subject and Body texts of the language
// (English when the language has none). publicURL prefixes the link.
func Render(tr Translator, n *medsec.Notification, lang, publicURL string) Message {
	m := Message{Lang: lang}
	if n.Key != "" {
		args := make([]any, len(n.Args))
		for i, a := range n.Args {
			if a.Key != "" {
				own := make([]any, len(a.Args))
				for j, v := range a.Args {
					own[j] = v
				}
				args[i] = tr.T(lang, a.Key, own...)
				if args[i] == a.Key && a.Text != "" {
					args[i] = a.Text // a key without text (an imported rule's title)
				}
			} else {
				args[i] = a.Text
			}
		}
		m.Subject = tr.T(lang, n.Key+".subject", args...)
		m.Body = tr.T(lang, n.Key+".body", args...)
	} else {
		m.Subject, m.Body = textIn(n.Subject, lang), textIn(n.Body, lang)
	}
	if n.Link != "" {
		m.URL = strings.TrimRight(publicURL, "/") + n.Link
	}
	return m
}

func textIn(texts map[string]string, lang string) string {
	if t, ok := texts[lang]; ok && t != "" {
		return t
	}
	return texts["en"]
}

// Email is one e-mail to send.
type Email struct {
	To      string
	Subject string
	// Body is plain text (UTF-8).
	Body string
}

// emailOf makes the e-mail of one message.
func emailOf(tr Translator, to string, m Message) Email {
	var b strings.Builder
	b.WriteString(m.Body)
	b.WriteString("\n")
	if m.URL != "" {
		fmt.Fprintf(&b, "\n%s\n", m.URL)
	}
	fmt.Fprintf(&b, "\n-- \n%s\n", tr.T(m.Lang, "notify.footer"))
	return Email{To: to, Subject: "[medsec] " + m.Subject, Body: b.String()}
}

// digestOf makes the one e-mail of a user's digest for a day: a heading with the count,
// then each notification's subject, body and link.
func digestOf(tr Translator, to, lang string, day medsec.Date, items []Message) Email {
	var b strings.Builder
	b.WriteString(tr.T(lang, "notify.digest.intro", len(items), day.String()))
	b.WriteString("\n")
	for i, m := range items {
		fmt.Fprintf(&b, "\n%d. %s\n", i+1, m.Subject)
		for _, line := range strings.Split(strings.TrimSpace(m.Body), "\n") {
			fmt.Fprintf(&b, "   %s\n", line)
		}
		if m.URL != "" {
			fmt.Fprintf(&b, "   %s\n", m.URL)
		}
	}
	fmt.Fprintf(&b, "\n-- \n%s\n", tr.T(lang, "notify.footer"))
	return Email{To: to, Subject: "[medsec] " + tr.T(lang, "notify.digest.subject", len(items), day.String()), Body: b.String()}
}
