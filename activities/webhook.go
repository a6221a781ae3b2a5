package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/outbound"
	"github.com/tabiji/tabiji/secrets"
)

// WebhookInput is one POST a webhook node makes. Body is JSON whose strings
// are Liquid templates, rendered with Bindings; IdempotencyKey is derived
// from the run and the step and sent as the Idempotency-Key header, so a
// receiver can drop the duplicates that retries may cause.
type WebhookInput struct {
	// WorkspaceID is whose secrets {{ secrets.NAME }} in URL, Headers and
	// Body refer to; they stay references here, so neither the journey nor
	// the run's history holds a value.
	WorkspaceID    string            `json:"workspaceId,omitempty"`
	URL            string            `json:"url"`
	Headers        map[string]string `json:"headers,omitempty"`
	Body           any               `json:"body,omitempty"`
	Bindings       map[string]any    `json:"bindings"`
	IdempotencyKey string            `json:"idempotencyKey"`
	// CustomerID and JourneyID are whose data the call sends, and for which
	// journey; Recipient names the third party (the URL's host when
	// empty). The call is recorded as a provision to a third party (APPI).
	CustomerID string `json:"customerId,omitempty"`
	JourneyID  string `json:"journeyId,omitempty"`
	Recipient  string `json:"recipient,omitempty"`
	// Lead adds the customer's lead context to the body (its lead field)
	// and to the body's Liquid as lead, and records lead_handed_over
	// (lead.go).
	Lead  bool   `json:"lead,omitempty"`
	RunID string `json:"runId,omitempty"` // the run, whose lead_handed_over is recorded once
	// NodeID is the webhook's node, named by lead_handed_over.
	NodeID string `json:"nodeId,omitempty"`
}

// WebhookResult is the receiver's answer.
type WebhookResult struct {
	Status int `json:"status"`
}

// retryableStatus lists the 4xx answers worth retrying: the receiver may
// take the request later.
var retryableStatus = []int{http.StatusRequestTimeout, http.StatusTooManyRequests}

// Webhook POSTs the rendered body through the outbound client (public
// addresses only, unless the operator's allowlist opens more; redirects not
// followed). A 2xx is success; a refusal by that policy, a 3xx and any
// other 4xx (but 408 and 429) fail for good, since sending the same
// request again cannot change the answer; 5xx, 408, 429 and network errors
// are retried by Temporal with backoff.
func (a *Activities) Webhook(ctx context.Context, in WebhookInput) (WebhookResult, error) {
	req, vals, err := a.webhookRequest(ctx, in)
	if err != nil {
		return WebhookResult{}, err
	}
	if err := a.recordProvision(ctx, in, req, vals); err != nil {
		return WebhookResult{}, err
	}
	resp, err := a.outbound.Do(req)
	if err != nil {
		return WebhookResult{}, a.webhookCallError(ctx, in, req, err, vals)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body) // up to the client's cap, so the connection is reused
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return WebhookResult{Status: resp.StatusCode}, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		msg := fmt.Sprintf("webhook to %s answered %s: redirects are not followed, give the final URL", req.URL.Hostname(), resp.Status)
		return WebhookResult{Status: resp.StatusCode}, temporal.NewNonRetryableApplicationError(msg, "WebhookRejected", nil)
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && !slices.Contains(retryableStatus, resp.StatusCode):
		msg := fmt.Sprintf("webhook to %s answered %s", req.URL.Host, resp.Status)
		return WebhookResult{Status: resp.StatusCode}, temporal.NewNonRetryableApplicationError(msg, "WebhookRejected", nil)
	default:
		return WebhookResult{Status: resp.StatusCode}, fmt.Errorf("webhook to %s answered %s", req.URL.Host, resp.Status)
	}
}

// webhookCallError is a call that got no answer. A refusal by the outbound
// policy fails for good, with the same words whichever port was asked (the
// run's outcome must not tell which ports answer inside the network);
// network errors are retried. The URL (which may hold a secret) is left
// out, and any secret value redacted. A refused call sent nothing: its
// record of provision goes.
func (a *Activities) webhookCallError(ctx context.Context, in WebhookInput, req *http.Request, err error, vals map[string]string) error {
	var refused *outbound.RefusedError
	if errors.As(err, &refused) {
		if ferr := a.forgetRefusedProvision(ctx, in); ferr != nil {
			return fmt.Errorf("webhook refused: %w", ferr) // retried: the refusal comes again, and the forgetting with it
		}
		return temporal.NewNonRetryableApplicationError("webhook refused: "+refused.Error(), "WebhookRefused", nil)
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return errors.New(secrets.Redact(fmt.Sprintf("post webhook to %s: %v", req.URL.Host, err), vals))
}

// webhookRequest builds the POST. The workspace secrets the node refers to
// as {{ secrets.NAME }} are opened here, at send time only: filled into the
// URL and headers, and seen by the body's Liquid as secrets.NAME. Errors
// that could quote them are redacted and carry no cause.
func (a *Activities) webhookRequest(ctx context.Context, in WebhookInput) (*http.Request, map[string]string, error) {
	vals, err := a.webhookSecrets(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	bindings := in.Bindings
	if len(vals) > 0 {
		bindings = maps.Clone(in.Bindings)
		seen := make(map[string]any, len(vals))
		for k, v := range vals {
			seen[k] = v
		}
		bindings["secrets"] = seen
	}
	var lc map[string]any
	if in.Lead {
		if lc, err = a.leadFor(ctx, leadStep{in.WorkspaceID, in.CustomerID, in.JourneyID, in.RunID, in.NodeID, "webhook"}); err != nil {
			return nil, nil, fmt.Errorf("webhook: %w", err)
		}
		bindings = withLead(bindings, lc)
	}
	body, err := msgtemplates.RenderJSON(ctx, in.Body, bindings)
	if err != nil {
		return nil, nil, temporal.NewNonRetryableApplicationError(secrets.Redact(err.Error(), vals), "TemplateError", nil)
	}
	if in.Lead {
		body = leadBody(body, lc)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, nil, temporal.NewNonRetryableApplicationError("encode webhook body: "+err.Error(), "TemplateError", nil)
	}
	target, _ := secrets.Expand(in.URL, vals) // every reference was opened
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(raw))
	if err != nil {
		return nil, nil, temporal.NewNonRetryableApplicationError("build webhook request: "+secrets.Redact(err.Error(), vals), "WebhookError", nil)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tabiji-webhook")
	req.Header.Set("Idempotency-Key", in.IdempotencyKey)
	for k, v := range in.Headers {
		v, _ = secrets.Expand(v, vals)
		req.Header.Set(k, v)
	}
	return req, vals, nil
}

// webhookSecrets opens the secrets the node refers to. One the workspace
// no longer has (deleted since the journey was saved), or a worker without
// TABIJI_SECRETS_KEY, fails the step for good with a clear error.
func (a *Activities) webhookSecrets(ctx context.Context, in WebhookInput) (map[string]string, error) {
	names := secrets.ReferencesIn(in.URL, in.Headers, in.Body)
	if len(names) == 0 {
		return nil, nil
	}
	vals, err := a.opts.Secrets.Open(ctx, in.WorkspaceID, names)
	switch {
	case errors.Is(err, secrets.ErrUnknown) || errors.Is(err, secrets.ErrNoKey):
		return nil, temporal.NewNonRetryableApplicationError("webhook: "+err.Error(), "SecretError", nil)
	case err != nil:
		return nil, fmt.Errorf("webhook: open secrets: %w", err)
	}
	return vals, nil
}
