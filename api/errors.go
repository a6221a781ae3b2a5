package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/segments"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// outcome is the problem a handler answers for one kind of error, in words
// naming what its request is about ("no journey j1 in this workspace").
type outcome struct {
	kind   error
	status int
	detail string
	fields []jsonfields.Error
}

// on answers an error of kind with status, detail and fields.
func on(kind error, status int, detail string, fields ...jsonfields.Error) outcome {
	return outcome{kind, status, detail, fields}
}

// notFound answers store.ErrNotFound with a 404 saying what is missing.
func notFound(detail string, fields ...jsonfields.Error) outcome {
	return outcome{store.ErrNotFound, http.StatusNotFound, detail, fields}
}

// conflict answers store.ErrConflict with a 409 saying what stands in the way.
func conflict(detail string, fields ...jsonfields.Error) outcome {
	return outcome{store.ErrConflict, http.StatusConflict, detail, fields}
}

// taken is the field error of an id or name another resource already has.
func taken(field string) jsonfields.Error { return jsonfields.Error{Field: field, Message: "is taken"} }

// namesFields says whether err is or wraps field errors.
func namesFields(err error) bool {
	var fields jsonfields.Errors
	var unreadable taxonomy.DecodeError
	return errors.As(err, &fields) || errors.As(err, &unreadable)
}

// answered reports whether err is an error, having answered it as a
// problem. This is the one place errors become HTTP problems:
//   - a store.Refusal, first: its detail and fields as they stand, 409 for
//     ErrConflict, 404 for ErrNotFound, 400 for ErrMalformed, 403 for ErrForbidden, 502 for
//     ErrUnavailable, 401 for ErrUnauthenticated, 413 for ErrTooLarge, 503 for
//     ErrOff, else 422;
//   - an outcome the handler gives for the error's kind;
//   - field errors (jsonfields.Errors, wrapped or not): 422 naming each
//     field, or 400 for a taxonomy sheet that could not be read at all;
//   - a segment that expands too far: 422 on definition.condition;
//   - store.ErrNotFound: 404; store.ErrConflict and store.ErrInUse: 409;
//   - store.ErrInvalidCursor: 400 on "after";
//   - anything else: fail (logged; 503 for a statement timeout, else 500).
func (s *server) answered(c *gin.Context, err error, outcomes ...outcome) bool {
	if err == nil {
		return false
	}
	var refusal *store.Refusal
	if errors.As(err, &refusal) {
		problem(c, refusalStatus(refusal.Kind), refusal.Detail, refusal.Fields...)
		return true
	}
	for _, o := range outcomes {
		if errors.Is(err, o.kind) {
			problem(c, o.status, o.detail, o.fields...)
			return true
		}
	}
	var unreadable taxonomy.DecodeError
	var fields jsonfields.Errors
	var tooLarge *segments.TooLargeError
	switch {
	case errors.As(err, &unreadable):
		problem(c, http.StatusBadRequest, err.Error(), unreadable...)
	case errors.As(err, &fields):
		problem(c, http.StatusUnprocessableEntity, err.Error(), fields...)
	case errors.As(err, &tooLarge):
		msg := strings.TrimPrefix(tooLarge.Error(), "segments: ")
		problem(c, http.StatusUnprocessableEntity, msg, jsonfields.Error{Field: "definition.condition", Message: msg})
	case errors.Is(err, store.ErrNotFound):
		problem(c, http.StatusNotFound, "not found")
	case errors.Is(err, store.ErrConflict):
		problem(c, http.StatusConflict, "conflicts with what is stored")
	case errors.Is(err, store.ErrInUse):
		// "unable to delete segment "x": journeys j1 enter on it (archive them first)"
		problem(c, http.StatusConflict, strings.TrimSuffix(strings.TrimPrefix(err.Error(), "store: "), ": "+store.ErrInUse.Error()))
	case errors.Is(err, store.ErrInvalidCursor):
		invalid(c, "after", "is not a cursor this API returned")
	default:
		s.fail(c, err)
	}
	return true
}

// refusalStatuses are the HTTP statuses of the kinds of store.Refusal.
var refusalStatuses = []struct {
	kind   error
	status int
}{
	{store.ErrConflict, http.StatusConflict},
	{store.ErrNotFound, http.StatusNotFound},
	{store.ErrUnavailable, http.StatusBadGateway},
	{store.ErrMalformed, http.StatusBadRequest},
	{store.ErrForbidden, http.StatusForbidden},
	{store.ErrUnauthenticated, http.StatusUnauthorized},
	{store.ErrTooLarge, http.StatusRequestEntityTooLarge},
	{store.ErrOff, http.StatusServiceUnavailable},
}

// refusalStatus is the HTTP status of a store.Refusal of kind; 422 for
// ErrInvalid and any other.
func refusalStatus(kind error) int {
	for _, r := range refusalStatuses {
		if errors.Is(kind, r.kind) {
			return r.status
		}
	}
	return http.StatusUnprocessableEntity
}
