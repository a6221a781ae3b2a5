package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/tabiji/tabiji/msgtemplates"
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

// Webhook POSTs the rendered body. A 2xx is success; any other 4xx (but 408
// and 429) fails for good, since sending the same request again cannot
// change the answer; 5xx, 408, 429 and network errors are retried by
// Temporal with backoff.
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
	client := a.http
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return WebhookResult{}, fmt.Errorf("post webhook to %s: %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return WebhookResult{Status: resp.StatusCode}, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && !slices.Contains(retryableStatus, resp.StatusCode):
		msg := fmt.Sprintf("webhook to %s answered %s", req.URL.Host, resp.Status)
		return WebhookResult{Status: resp.StatusCode}, temporal.NewNonRetryableApplicationError(msg, "WebhookRejected", nil)
	default:
		return WebhookResult{Status: resp.StatusCode}, fmt.Errorf("webhook to %s answered %s", req.URL.Host, resp.Status)
	}
}
