package jsonfields_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tabiji/tabiji/jsonfields"
)

func TestErrorsReadAndUnwrap(t *testing.T) {
	var errs jsonfields.Errors
	errs.Add("nodes[0].next", "is required")
	errs.Add("entry", "needs an event")
	err := fmt.Errorf("invalid journey definition: %w", errs)
	if got, want := err.Error(), "invalid journey definition: nodes[0].next: is required; entry: needs an event"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var found jsonfields.Errors
	if !errors.As(err, &found) || len(found) != 2 || found[1].Field != "entry" {
		t.Errorf("errors.As found %v", found)
	}
}
