package ingest

import (
	"fmt"
	"strings"
)

// FieldError is one field of a call at fault and the rule it broke. Field is
// a path into the request body: "userId", "properties", "batch[3].timestamp".
type FieldError struct {
	Field string
	Rule  string
}

// Errors is every fault found in a call or batch; it is the error Decode
// and DecodeBatch return.
type Errors []FieldError

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		parts[i] = fe.Field + ": " + fe.Rule
	}
	return "ingest: " + strings.Join(parts, "; ")
}

// prefixed returns the errors with their fields under prefix, as batch[i].
func (e Errors) prefixed(prefix string) Errors {
	out := make(Errors, len(e))
	for i, fe := range e {
		field := prefix
		if fe.Field != "" && fe.Field != "body" {
			field += "." + fe.Field
		}
		out[i] = FieldError{Field: field, Rule: fe.Rule}
	}
	return out
}

func fieldErr(field, format string, args ...any) Errors {
	return Errors{{Field: field, Rule: fmt.Sprintf(format, args...)}}
}
