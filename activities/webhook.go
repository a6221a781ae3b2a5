package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/msgtemplates"
	"github.com/tabiji/tabiji/outbound"
)

// WebhookInput is one POST a webhook node makes. Body is JSON whose strings
// are Liquid templates, rendered with Bindings; IdempotencyKey is derived
// from the run and the step and sent as the Idempotency-Key header, so a
// receiver can drop the duplicates that retries may cause.
type WebhookInput struct {
	URL            string            `json:"url"`
	Headers        map[string]string `json:"headers,omitempty"`
	Body           any               `json:"body,omitempty"`
	Bindings       map[string]any    `json:"bindings"`
	IdempotencyKey string            `json:"idempotencyKey"`
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
	body, err := msgtemplates.RenderJSON(ctx, in.Body, in.Bindings)
	if err != nil {
		return WebhookResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "TemplateError", err)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return WebhookResult{}, temporal.NewNonRetryableApplicationError("encode webhook body: "+err.Error(), "TemplateError", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.URL, bytes.NewReader(raw))
	if err != nil {
		return WebhookResult{}, temporal.NewNonRetryableApplicationError("build webhook request: "+err.Error(), "WebhookError", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tabiji-webhook")
	req.Header.Set("Idempotency-Key", in.IdempotencyKey)
	for k, v := range in.Headers {
		req.Header.Set(k, v)
	}
	resp, err := a.outbound.Do(req)
	if err != nil {
		return WebhookResult{}, webhookCallError(req, err)
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
// network errors are retried.
func webhookCallError(req *http.Request, err error) error {
	var refused *outbound.RefusedError
	if errors.As(err, &refused) {
		return temporal.NewNonRetryableApplicationError("webhook refused: "+refused.Error(), "WebhookRefused", nil)
	}
	return fmt.Errorf("post webhook to %s: %w", req.URL.Host, err)
}
