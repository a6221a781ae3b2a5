package jsonfields

import "strings"

// Error is one field at fault, at a path such as "nodes[0].duration", and
// the rule it broke. Every validator in Tabiji reports its faults as Errors
// of this type, and the API answers them as the "errors" of a problem.
type Error struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Errors lists every field at fault. As an error it reads
// "field: message; field: message"; a validator wraps it with a phrase
// naming what was invalid ("invalid journey definition: %w").
type Errors []Error

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, fe := range e {
		parts[i] = fe.Field + ": " + fe.Message
	}
	return strings.Join(parts, "; ")
}

// Add appends a fault at field.
func (e *Errors) Add(field, message string) { *e = append(*e, Error{Field: field, Message: message}) }
