package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/tabiji/tabiji/secrets"
)

// SecretsCmd is `tabiji secrets`: the workspace's named secrets, which
// journeys' webhook nodes reference as {{ secrets.NAME }}, through a
// running API. Values are write-only.
type SecretsCmd struct {
	Set    SecretsSetCmd    `cmd:"" help:"Set a secret; its value is read from stdin (first line), so it stays out of shell history."`
	List   SecretsListCmd   `cmd:"" help:"List the workspace's secrets: names and fingerprints, never values."`
	Delete SecretsDeleteCmd `cmd:"" help:"Delete a secret: a journey step still using it fails with a clear error."`
}

// SecretsSetCmd is `tabiji secrets set NAME`.
type SecretsSetCmd struct {
	APIClientFlags
	Name string `arg:"" help:"Secret name: lowercase letters, digits and underscores, as crm_token."`
}

// Run reads the value from stdin and PUTs it.
func (c *SecretsSetCmd) Run(rc *runContext) error {
	value, err := readSecretValue(os.Stdin)
	if err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodPut, "/v1/secrets/"+url.PathEscape(c.Name), map[string]string{"value": value})
	if err != nil {
		return fmt.Errorf("set secret %s: %w", c.Name, err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var out struct{ Name, Fingerprint string }
	if err := decodeAnswer(raw, &out); err != nil {
		return err
	}
	fmt.Fprintf(rc.stdout, "set secret %s (%s); reference it as {{ secrets.%s }}\n", out.Name, out.Fingerprint, out.Name)
	return nil
}

// readSecretValue is the first line of r, without its line break.
func readSecretValue(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the secret from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("give the secret's value on stdin, as: printf %s \"$TOKEN\" | tabiji secrets set crm_token")
	}
	return line, nil
}

// SecretsListCmd is `tabiji secrets list`.
type SecretsListCmd struct {
	APIClientFlags
}

// Run prints the secrets' names and fingerprints.
func (c *SecretsListCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	raw, err := api.call(rc.ctx, http.MethodGet, "/v1/secrets", nil)
	if err != nil {
		return fmt.Errorf("list secrets: %w", err)
	}
	if api.output == "json" {
		return printJSON(rc.stdout, raw)
	}
	var out struct{ Secrets []secrets.Info }
	if err := decodeAnswer(raw, &out); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(rc.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tFINGERPRINT\tUPDATED")
	for _, s := range out.Secrets {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.Fingerprint, s.UpdatedAt.Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

// SecretsDeleteCmd is `tabiji secrets delete NAME`.
type SecretsDeleteCmd struct {
	APIClientFlags
	Name string `arg:"" help:"Secret name."`
}

// Run deletes the secret.
func (c *SecretsDeleteCmd) Run(rc *runContext) error {
	api, err := c.client()
	if err != nil {
		return err
	}
	if _, err := api.call(rc.ctx, http.MethodDelete, "/v1/secrets/"+url.PathEscape(c.Name), nil); err != nil {
		return fmt.Errorf("delete secret %s: %w", c.Name, err)
	}
	fmt.Fprintf(rc.stdout, "deleted secret %s\n", c.Name)
	return nil
}
