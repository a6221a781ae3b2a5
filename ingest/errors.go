package ingest

import (
	"fmt"

	"github.com/tabiji/tabiji/jsonfields"
)

// Errors is every fault found in a call or batch, each at a path into the
// request body ("userId", "properties", "batch[3].timestamp"). Decode and DecodeBatch
// return it wrapped with "ingest: "; errors.As finds it.
type Errors = jsonfields.Errors

// invalid is errs as the error of Decode and DecodeBatch, nil when empty.
func invalid(errs Errors) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("ingest: %w", errs)
}

// prefixed returns the errors with their fields under prefix, as batch[i].
func prefixed(e Errors, prefix string) Errors {
	out := make(Errors, len(e))
	for i, fe := range e {
		field := prefix
		if fe.Field != "" && fe.Field != "body" {
			field += "." + fe.Field
		}
		out[i] = jsonfields.Error{Field: field, Message: fe.Message}
	}
	return out
}

func fieldErr(field, format string, args ...any) Errors {
	return Errors{{Field: field, Message: fmt.Sprintf(format, args...)}}
}
