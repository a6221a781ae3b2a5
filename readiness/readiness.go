// Package readiness says whether the parts a Tabiji API process needs
// answer: Postgres and Temporal (GET /readyz). Anyone may ask, so a
// report holds only "ok" or "failing" per part; the errors (addresses,
// drivers' messages) go to the log.
package readiness

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/store"
)

// timeout bounds a check: a part that does not answer in it is failing.
const timeout = 3 * time.Second

// Checker checks the parts.
type Checker struct {
	Store    *store.Store
	Temporal client.Client
	Logger   *slog.Logger
}

// Report is what a check found: each part "ok" or "failing".
type Report struct {
	Ready  bool
	Checks map[string]string
}

// Check asks Postgres and Temporal whether they answer, within a few
// seconds, logging each failure.
func (c *Checker) Check(ctx context.Context) Report {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := Report{Ready: true, Checks: map[string]string{"postgres": "ok", "temporal": "ok"}}
	if err := c.Store.Ping(ctx); err != nil {
		c.Logger.Error("readiness: postgres", "error", err)
		r.Checks["postgres"], r.Ready = "failing", false
	}
	if _, err := c.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		c.Logger.Error("readiness: temporal", "error", err)
		r.Checks["temporal"], r.Ready = "failing", false
	}
	return r
}
