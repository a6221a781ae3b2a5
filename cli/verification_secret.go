package cli

import (
	"fmt"
	"net/http"
	"time"
)

// KeysVerificationSecretCmd is `tabiji keys verification-secret`.
type KeysVerificationSecretCmd struct {
	APIClientFlags
	Rotate bool `name:"rotate" help:"Replace the secret: user hashes made with the old one stop verifying."`
}

// Run prints the secret (generated on first use) and how to use it.
func (k *KeysVerificationSecretCmd) Run(rc *runContext) error {
	api, err := k.client()
	if err != nil {
		return err
	}
	method, path := http.MethodGet, "/v1/workspace/identity-verification"
	if k.Rotate {
		method, path = http.MethodPost, path+"/rotate"
	}
	raw, err := api.call(rc.ctx, method, path, nil)
	if err != nil {
		return fmt.Errorf("identity-verification secret: %w", err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var out struct {
		Secret    string    `json:"secret"`
		RotatedAt time.Time `json:"rotatedAt"`
		Usage     string    `json:"usage"`
	}
	if err := decodeAnswer(raw, &out); err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "identity-verification secret (since %s):\n\n  %s\n\n%s\n",
		out.RotatedAt.UTC().Format("2006-01-02 15:04"), out.Secret, out.Usage)
	return nil
}
