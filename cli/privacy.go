package cli

import (
	"fmt"
	"net/http"

	"github.com/tabiji/tabiji/privacy"
)

// PrivacyCmd is `tabiji privacy`: the workspace's retention periods and
// purposes of use, and its records of third-party provision.
type PrivacyCmd struct {
	Show PrivacyShowCmd `cmd:"" help:"Show how long events, message history and provision records are kept, and the purposes of use."`
	Set  PrivacySetCmd  `cmd:"" help:"Change the retention periods or purposes of use; what is not given stays as it is."`
	// Provisions lists the records of third-party provision.
	Provisions PrivacyProvisionsCmd `cmd:"" help:"List or export (--csv, -o json) the records of customers' data sent to third parties by webhook nodes (APPI)."`
}

// PrivacyShowCmd is `tabiji privacy show`.
type PrivacyShowCmd struct {
	APIClientFlags
	JSON bool `name:"json" help:"Print the API's JSON answer."`
}

type privacyAnswer struct {
	EventRetention     string           `json:"eventRetention"`
	MessageRetention   string           `json:"messageRetention"`
	ProvisionRetention string           `json:"provisionRetention"`
	Purposes           privacy.Purposes `json:"purposes"`
}

// Run prints the settings.
func (c *PrivacyShowCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/workspace/privacy", nil)
	if err != nil {
		return fmt.Errorf("privacy show: %w", err)
	}
	return printPrivacy(rc, raw, c.JSON)
}

// PrivacySetCmd is `tabiji privacy set`.
type PrivacySetCmd struct {
	APIClientFlags
	EventRetention     *string `name:"event-retention" help:"How long events are kept, by when they were received: \"25 months\", \"3 years\", or \"forever\" (until the customer is erased)."`
	MessageRetention   *string `name:"message-retention" help:"How long messages and their status history are kept: \"25 months\", \"3 years\" or \"forever\"."`
	ProvisionRetention *string `name:"provision-retention" help:"How long records of third-party provision are kept: at least \"1 year\" (APPI); \"3 years\" by default."`
	PurposesJA         *string `name:"purposes-ja" help:"The purposes of use in Japanese, as the preference page shows them (\"\" clears them)."`
	PurposesEN         *string `name:"purposes-en" help:"The purposes of use in English."`
	JSON               bool    `name:"json" help:"Print the API's JSON answer."`
}

// Run sends the settings given and prints the result.
func (c *PrivacySetCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	body := privacy.Settings{EventRetention: c.EventRetention, MessageRetention: c.MessageRetention, ProvisionRetention: c.ProvisionRetention}
	if c.PurposesJA != nil || c.PurposesEN != nil {
		var cur privacyAnswer
		if err := api.get(rc.ctx, "/v1/workspace/privacy", &cur); err != nil {
			return fmt.Errorf("privacy set: %w", err)
		}
		body.Purposes = &cur.Purposes
		if c.PurposesJA != nil {
			body.Purposes.JA = *c.PurposesJA
		}
		if c.PurposesEN != nil {
			body.Purposes.EN = *c.PurposesEN
		}
	}
	raw, err := api.call(rc.ctx, http.MethodPatch, "/v1/workspace/privacy", body)
	if err != nil {
		return fmt.Errorf("privacy set: %w", err)
	}
	return printPrivacy(rc, raw, c.JSON)
}

func printPrivacy(rc *runContext, raw []byte, asJSON bool) error {
	if asJSON {
		return printJSON(rc.stdout, raw)
	}
	var p privacyAnswer
	if err := decodeAnswer(raw, &p); err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "events kept:            %s\nmessages kept:          %s\nprovision records kept: %s\n",
		p.EventRetention, p.MessageRetention, p.ProvisionRetention)
	fmt.Fprintf(rc.stdout, "purposes of use (ja):   %s\npurposes of use (en):   %s\n", orNone(p.Purposes.JA), orNone(p.Purposes.EN))
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
