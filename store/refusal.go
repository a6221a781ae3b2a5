package store

import (
	"errors"

	"github.com/tabiji/tabiji/jsonfields"
)

var (
	// ErrMalformed is the kind of a Refusal of a request that misses or
	// misspells what it must give (an HTTP 400).
	ErrMalformed = errors.New("store: malformed")
	// ErrInvalid is the kind of a Refusal of a request that cannot be
	// carried out as asked (an HTTP 422).
	ErrInvalid = errors.New("store: invalid")
	// ErrUnavailable is the kind of a Refusal because a provider the step
	// needs did not answer (an HTTP 502).
	ErrUnavailable = errors.New("store: unavailable")
	// ErrForbidden is the kind of a Refusal of a request its caller may
	// not make (an HTTP 403): approving one's own request, say.
	ErrForbidden = errors.New("store: forbidden")
	// ErrUnauthenticated is the kind of a Refusal of a request whose
	// signature does not hold (an HTTP 401): a provider's webhook signed
	// with another secret, or too long ago.
	ErrUnauthenticated = errors.New("store: unauthenticated")
	// ErrTooLarge is the kind of a Refusal of a body that could not be
	// read whole within its limit (an HTTP 413).
	ErrTooLarge = errors.New("store: too large")
	// ErrOff is the kind of a Refusal of a request for something the
	// workspace has not turned on (an HTTP 503): a provider's webhook
	// without its secret.
	ErrOff = errors.New("store: off")
)

// Refusal is an error whose message is written for the client: what was
// refused and why, naming the fields at fault. Its Kind (ErrConflict,
// ErrNotFound, ErrMalformed, ErrInvalid, ErrUnavailable, ErrForbidden,
// ErrUnauthenticated, ErrTooLarge, ErrOff) says which kind of refusal it
// is; api/errors.go turns it into a problem with Detail as it stands.
type Refusal struct {
	Kind   error
	Detail string
	Fields jsonfields.Errors
	// Cause is the error behind the refusal, when there is one (a
	// provider's answer), for the log and the console's pages; an API
	// client reads Detail only.
	Cause error
}

// Refuse returns a Refusal of kind.
func Refuse(kind error, detail string, fields ...jsonfields.Error) *Refusal {
	return &Refusal{Kind: kind, Detail: detail, Fields: fields}
}

func (r *Refusal) Error() string { return r.Detail }

// Unwrap lets errors.Is find the refusal's kind.
func (r *Refusal) Unwrap() error { return r.Kind }
