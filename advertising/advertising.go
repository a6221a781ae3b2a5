// Package advertising holds a workspace's advertising-mail policy, the
// rules of Japan's 特定電子メール法 (Act on the Regulation of the
// Transmission of Specified Electronic Mail) that Tabiji enforces: which
// channels are specified electronic mail, when a message needs the
// customer's recorded opt-in, and the sender's identity every promotional
// email carries (its block, its checks). It does no I/O.
package advertising

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tabiji/tabiji/jsonfields"
)

// ReasonNoOptIn is the skip reason of a promotional message to a customer
// with no recorded opt-in for its channel.
const ReasonNoOptIn = "no opt-in"

// specifiedMail are the channels the law calls specified electronic mail:
// email and SMS (SMTP and telephone-number messages).
var specifiedMail = []string{"email", "sms"}

// SpecifiedMail says whether the channel is specified electronic mail.
func SpecifiedMail(channel string) bool { return slices.Contains(specifiedMail, channel) }

// Sender is who sends the workspace's advertising: the name, the postal
// address, and a contact (an email address, a URL or a telephone number)
// for a recipient who refuses further messages.
type Sender struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Contact string `json:"contact"`
}

// Policy is a workspace's advertising-mail policy.
type Policy struct {
	// OptInRequired is the explicit setting; nil follows Locale.
	OptInRequired *bool `json:"optInRequired"`
	// Locale is the workspace's ("ja", "en"; "" when unknown): a ja
	// workspace enforces the policy unless it says otherwise.
	Locale string `json:"-"`
	Sender Sender `json:"sender"`
}

// Enforced says whether promotional email and SMS need a recorded opt-in
// and a sender identity: the explicit setting, else on for ja workspaces.
func (p Policy) Enforced() bool {
	if p.OptInRequired != nil {
		return *p.OptInRequired
	}
	return p.Locale == "ja" || strings.HasPrefix(p.Locale, "ja-")
}

// NeedsOptIn says whether a message on channel, promotional unless
// transactional, may go only to a customer with a recorded opt-in.
func (p Policy) NeedsOptIn(channel string, transactional bool) bool {
	return p.Enforced() && !transactional && SpecifiedMail(channel)
}

// Limits on the sender's identity.
const (
	maxName    = 200
	maxAddress = 500
	maxContact = 500
)

// Validate checks the sender's fields (each may be empty: Missing says
// which a promotional send needs); its error is jsonfields.Errors under
// "sender".
func (s Sender) Validate() error {
	var errs jsonfields.Errors
	check := func(field, v string, limit int, lines bool) {
		bad := func(r rune) bool { return unicode.IsControl(r) && (!lines || (r != '\n' && r != '\r')) }
		if utf8.RuneCountInString(v) > limit || !utf8.ValidString(v) || strings.ContainsFunc(v, bad) {
			msg := "must be text of at most " + strconv.Itoa(limit) + " characters"
			if !lines {
				msg += " on one line"
			}
			errs.Add("sender."+field, msg)
		}
	}
	check("name", s.Name, maxName, false)
	check("address", s.Address, maxAddress, true)
	check("contact", s.Contact, maxContact, false)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Missing names the sender's fields that are empty ("sender.address").
func (s Sender) Missing() []string {
	var out []string
	for _, f := range []struct{ name, v string }{{"name", s.Name}, {"address", s.Address}, {"contact", s.Contact}} {
		if strings.TrimSpace(f.v) == "" {
			out = append(out, "sender."+f.name)
		}
	}
	return out
}

// Complete says whether every field of the sender is given.
func (s Sender) Complete() bool { return len(s.Missing()) == 0 }

// SettingPath is where the policy is set, as problems name it.
const SettingPath = "PUT /v1/workspace/advertising"

// Unready is the field errors of a promotional journey or broadcast that
// may not start while the policy is enforced and the sender's identity is
// incomplete (what names the setting in the 422); nil when it may.
func (p Policy) Unready() jsonfields.Errors {
	if !p.Enforced() {
		return nil
	}
	var errs jsonfields.Errors
	for _, f := range p.Sender.Missing() {
		errs.Add("advertising."+f, "is required: every promotional email carries the sender's name, postal address and a contact for refusal (特定電子メール法); set it with "+SettingPath)
	}
	return errs
}
