package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/wneessen/go-mail"

	"medsec"
)

// smtpTimeout bounds connecting to the SMTP server and each command.
const smtpTimeout = 30 * time.Second

// SendMail sends the e-mails over one SMTP connection with the settings: STARTTLS
// (RFC 3207) required when the policy is mandatory, used when offered when it is
// opportunistic; the server's certificate checked against the system roots and the CA
// file; SMTP AUTH (RFC 4954) with the strongest mechanism the server offers when a user name
// is set. now
// dates the messages. The error names the recipient that failed.
func SendMail(ctx context.Context, s medsec.SMTPSettings, now time.Time, emails ...Email) error {
	if s.Host == "" {
		return medsec.ErrorWithKey(medsec.EINVALID, "err.no_smtp", "No SMTP server is set.")
	}
	client, err := newMailClient(s)
	if err != nil {
		return err
	}
	msgs := make([]*mail.Msg, 0, len(emails))
	for _, e := range emails {
		m := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP))
		if err := m.From(s.From); err != nil {
			return fmt.Errorf("send mail: from %q: %w", s.From, err)
		}
		if err := m.To(e.To); err != nil {
			return fmt.Errorf("send mail: to %q: %w", e.To, err)
		}
		m.Subject(e.Subject)
		m.SetDateWithValue(now)
		m.SetMessageID()
		m.SetGenHeader(mail.HeaderXMailer, "medsec")
		m.SetBodyString(mail.TypeTextPlain, e.Body)
		msgs = append(msgs, m)
	}
	if err := client.DialAndSendWithContext(ctx, msgs...); err != nil {
		var se *mail.SendError
		if errors.As(err, &se) && se.Reason == mail.ErrSMTPRcptTo {
			err = fmt.Errorf("%w: %w", ErrRecipientRefused, err)
		}
		return fmt.Errorf("send mail via %s:%d: %w", s.Host, portOf(s), err)
	}
	return nil
}

// ErrRecipientRefused marks a send the server refused for its recipient (RCPT TO): the
// server works, the address does not.
var ErrRecipientRefused = errors.New("recipient refused")

func portOf(s medsec.SMTPSettings) int {
	if s.Port == 0 {
		return 587
	}
	return s.Port
}

func newMailClient(s medsec.SMTPSettings) (*mail.Client, error) {
	tlsConf := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("smtp CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("smtp CA file %s: no PEM certificate in it", s.CAFile)
		}
		tlsConf.RootCAs = pool
	}
	policy := mail.TLSMandatory
	if s.TLSPolicy == medsec.TLSOpportunistic {
		policy = mail.TLSOpportunistic
	}
	opts := []mail.Option{
		mail.WithPort(portOf(s)),
		mail.WithTLSPolicy(policy),
		mail.WithTLSConfig(tlsConf),
		mail.WithTimeout(smtpTimeout),
	}
	if s.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(s.Username), mail.WithPassword(s.Password))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return c, nil
}
