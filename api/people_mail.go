package api

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/console"
	"github.com/tabiji/tabiji/people"
)

// consoleFrom is the sender of console emails when TABIJI_EMAIL_FROM is unset.
const consoleFrom = "no-reply@tabiji.invalid"

// sendConsoleMail is the people.Mailer: it writes an invitation or reset
// email in the person's language (else the workspace's) from the console's
// catalogs and sends it through the workspace's email channel as a
// template's test send does: its provider when it has one, else the
// development outbox. It says which.
func (s *server) sendConsoleMail(ctx context.Context, workspaceID string, m people.Mail) (string, error) {
	set, err := s.Store.WorkspaceSettings(ctx, workspaceID)
	if err != nil {
		return "", fmt.Errorf("api: unable to read the workspace's language: %w", err)
	}
	lang := console.Lang(m.Locale, set.Locale)
	subject, text := consoleMailText(lang, m)
	sender, err := s.Channels.Sender(ctx, workspaceID, "email")
	if err != nil {
		return "", fmt.Errorf("api: unable to find the email channel: %w", err)
	}
	from := s.EmailFrom
	if from == "" {
		from = consoleFrom
	}
	// The outbox lists messages by customer: a console email's is its person,
	// "console:" and their address, apart from any customer id.
	msg := channels.Message{ID: "console_" + m.Kind + "_" + strings.ToLower(rand.Text()), WorkspaceID: workspaceID, CustomerID: "console:" + m.To,
		NodeID: "console:" + m.Kind, Channel: "email", To: m.To, Categories: []string{"tabiji-console"},
		Email: &channels.Email{From: from, FromName: "Tabiji", Subject: subject, Text: text}}
	if _, err := sender.Send(ctx, msg); err != nil {
		return "", fmt.Errorf("api: unable to send the %s email: %w", m.Kind, err)
	}
	if _, isOutbox := sender.(*outbox.Sender); isOutbox {
		return "outbox", nil
	}
	return "sendgrid", nil
}

// consoleMailText is the subject and plain text of a console email.
func consoleMailText(lang string, m people.Mail) (string, string) {
	if m.Kind == people.KindInvitation {
		role := console.T(lang, "role."+m.Role)
		return console.T(lang, "mail.invite.subject", m.WorkspaceName),
			console.T(lang, "mail.invite.body", m.WorkspaceName, role, m.Link, int(people.InvitationTTL.Hours()/24))
	}
	return console.T(lang, "mail.reset.subject"), console.T(lang, "mail.reset.body", m.Link, int(people.ResetTTL.Minutes()))
}
