package cli

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/tabiji/tabiji/advertising"
)

// AdvertisingCmd is `tabiji advertising`: the workspace's advertising-mail
// policy (特定電子メール法): opt-in before advertising, and the sender's
// identity every promotional email and SMS carries.
type AdvertisingCmd struct {
	Show AdvertisingShowCmd `cmd:"" help:"Show whether promotional email and SMS need an opt-in, and the sender's identity they carry."`
	Set  AdvertisingSetCmd  `cmd:"" help:"Change the policy or the sender's identity; what is not given stays as it is."`
}

// AdvertisingShowCmd is `tabiji advertising show`.
type AdvertisingShowCmd struct {
	APIClientFlags
	JSON bool `name:"json" help:"Print the API's JSON answer."`
}

// advertisingAnswer is GET and PUT /v1/workspace/advertising.
type advertisingAnswer struct {
	OptInRequired *bool              `json:"optInRequired"`
	Enforced      bool               `json:"enforced"`
	Sender        advertising.Sender `json:"sender"`
}

const advertisingPath = "/v1/workspace/advertising"

// Run prints the policy.
func (c *AdvertisingShowCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, advertisingPath, nil)
	if err != nil {
		return fmt.Errorf("advertising show: %w", err)
	}
	return printAdvertising(rc, raw, c.JSON || api.output == "json")
}

// AdvertisingSetCmd is `tabiji advertising set`.
type AdvertisingSetCmd struct {
	APIClientFlags
	OptInRequired *string `name:"opt-in-required" placeholder:"true|false|locale" help:"Whether promotional email and SMS go only to customers with a recorded opt-in: true, false, or locale (on for ja workspaces, the default)."`
	SenderName    *string `name:"sender-name" help:"The sender's name every promotional email and SMS carries (\"\" clears it)."`
	SenderAddress *string `name:"sender-address" help:"The sender's postal address every promotional email carries (may span lines)."`
	SenderContact *string `name:"sender-contact" help:"Where a recipient refuses further messages or asks about them: an email address, a URL or a telephone number."`
	JSON          bool    `name:"json" help:"Print the API's JSON answer."`
}

// errOptInValue is a --opt-in-required that is none of its three words.
var errOptInValue = errors.New("--opt-in-required: must be true, false or locale")

// optIn reads --opt-in-required: nil for locale.
func optIn(v string) (*bool, error) {
	switch v {
	case "locale":
		return nil, nil
	case "true", "false":
		b := v == "true"
		return &b, nil
	}
	return nil, errOptInValue
}

// Run reads the current policy, changes what was given, and puts it back
// (the API's PUT replaces the whole policy).
func (c *AdvertisingSetCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	var p advertisingAnswer
	if err := api.get(rc.ctx, advertisingPath, &p); err != nil {
		return fmt.Errorf("advertising set: %w", err)
	}
	if c.OptInRequired != nil {
		if p.OptInRequired, err = optIn(*c.OptInRequired); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		flag *string
		into *string
	}{{c.SenderName, &p.Sender.Name}, {c.SenderAddress, &p.Sender.Address}, {c.SenderContact, &p.Sender.Contact}} {
		if f.flag != nil {
			*f.into = *f.flag
		}
	}
	body := map[string]any{"optInRequired": p.OptInRequired, "sender": p.Sender}
	raw, err := api.call(rc.ctx, http.MethodPut, advertisingPath, body)
	if err != nil {
		return fmt.Errorf("advertising set: %w", err)
	}
	return printAdvertising(rc, raw, c.JSON || api.output == "json")
}

func printAdvertising(rc *runContext, raw []byte, asJSON bool) error {
	if asJSON {
		return printJSON(rc.stdout, raw)
	}
	var p advertisingAnswer
	if err := decodeAnswer(raw, &p); err != nil {
		return err
	}
	setting := "locale (on for ja workspaces)"
	if p.OptInRequired != nil {
		setting = strconv.FormatBool(*p.OptInRequired)
	}
	out := fmt.Sprintf("opt-in required: %s\nenforced now:    %t\nsender name:     %s\nsender address:  %s\nsender contact:  %s\n",
		setting, p.Enforced, orNone(p.Sender.Name), orNone(p.Sender.Address), orNone(p.Sender.Contact))
	if missing := p.Sender.Missing(); p.Enforced && len(missing) > 0 {
		out += fmt.Sprintf("note: promotional journeys and broadcasts will not start until %v are set\n", missing)
	}
	if _, err := io.WriteString(rc.stdout, out); err != nil {
		return fmt.Errorf("print the policy: %w", err)
	}
	return nil
}
