package api

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

// trackLimit is Segment's limit for one call (quarantine.go's edits use it).
const trackLimit = ingest.MaxCall

// segmentCall answers POST /v1/<typ>: one call of Segment's HTTP Tracking API.
// A body that cannot be read or decoded goes to the pipeline too, which
// records it for the event debugger (ingest.Undecoded), before the 4xx.
func (s *server) segmentCall(typ string) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, fault := readIngestBody(c, ingest.MaxCall)
		var msgs []ingest.Message
		var err error
		if fault == nil {
			var m ingest.Message
			m, err = ingest.Decode(typ, body, time.Now().UTC())
			msgs = []ingest.Message{m}
		}
		s.submit(c, body, msgs, fault, err, false, 1)
	}
}

// segmentBatch answers POST /v1/batch. Like Segment, it stores the valid
// calls of a batch and refuses only the invalid ones: the answer is then a
// 400 naming each refused call by its index (batch[3].userId), so the sender
// learns of them, and a retry of the whole batch stores nothing twice. A
// client key's calls that lack identity verification are refused the same
// way (batch[3].context.userHash).
func (s *server) segmentBatch(c *gin.Context) {
	body, fault := readIngestBody(c, ingest.MaxBatch)
	var msgs []ingest.Message
	var err error
	if fault == nil {
		msgs, err = ingest.DecodeBatch(body, time.Now().UTC())
	}
	var bad ingest.Errors
	if err != nil && !errors.As(err, &bad) {
		bad = nil
	}
	s.submit(c, body, msgs, fault, err, true, len(msgs)+countCalls(bad))
}

// submit hands the request's calls to the pipeline, with what did not
// decode (fault: the body could not be read; err: decoding's faults), and
// answers: the body's or the decoding's problem when no call decoded.
func (s *server) submit(c *gin.Context, body []byte, msgs []ingest.Message, fault *bodyFault, err error, batch bool, calls int) {
	opts := from(c, batch)
	switch {
	case fault != nil:
		opts = append(opts, ingest.Undecoded(body, fault))
	case err != nil:
		opts = append(opts, ingest.Undecoded(body, err))
	}
	if err != nil && !batch {
		msgs = nil // Decode's zero call
	}
	res, subErr := s.pipeline.Submit(c.Request.Context(), workspace(c), msgs, opts...)
	var bad ingest.Errors
	switch {
	case fault != nil:
		fault.answer(c)
	case err != nil && (len(msgs) == 0 || !errors.As(err, &bad)):
		decodeProblem(c, err)
	default:
		s.answer(c, res, subErr, append(bad, res.Refused...), batch, calls)
	}
}

// from is how the pipeline takes the request's calls: with the key's id,
// for the event debugger, and a client key's verified first
// (ingest.FromClientKey, client_calls.go).
func from(c *gin.Context, batch bool) []ingest.SubmitOption {
	opts := []ingest.SubmitOption{ingest.FromKey(keyID(c))}
	if clientKey(c) {
		opts = append(opts, ingest.FromClientKey(batch))
	}
	return opts
}

// answer turns the pipeline's result into Segment's {"success": true} or a problem.
func (s *server) answer(c *gin.Context, res ingest.Result, err error, bad ingest.Errors, batch bool, calls int) {
	var refusal *store.Refusal
	switch {
	case errors.As(err, &refusal): // a client key's call without its verification: 403
		s.answered(c, err)
	case err != nil:
		s.fail(c, ingestError(err))
	case res.RouteErr != nil:
		s.Logger.ErrorContext(c.Request.Context(), "route events", "workspace", workspace(c), "error", res.RouteErr)
		problem(c, http.StatusServiceUnavailable, "the events are stored but could not reach their journeys (is Temporal up?): retry with the same messageIds")
	case len(bad) > 0 || len(res.Rejected) > 0:
		errs := slices.Clone(bad)
		for _, r := range res.Rejected {
			prefix := ""
			if batch {
				prefix = "batch[" + strconv.Itoa(r.Index) + "]."
			}
			for _, v := range r.Violations {
				errs = append(errs, jsonfields.Error{Field: prefix + v.Field, Message: v.Rule + ": " + v.Message})
			}
		}
		status, detail := http.StatusBadRequest, errs[0].Field+": "+errs[0].Message
		if len(bad) == 0 {
			status = http.StatusUnprocessableEntity // valid Segment, but against the workspace's taxonomy
		}
		if batch {
			stored := res.Stored + res.Duplicates + res.Quarantined + res.Dropped
			detail = fmt.Sprintf("%d of %d calls were accepted; the calls named were refused: fix and send them again", stored, calls)
		}
		problem(c, status, detail, errs...)
	default:
		c.JSON(http.StatusOK, gin.H{"success": true})
	}
}

// bodyFault is why a request's body could not be read, as its problem.
type bodyFault struct {
	status         int
	field, message string // a field error when field is not ""
	detail         string
}

func (f *bodyFault) Error() string {
	if f.field != "" {
		return f.field + ": " + f.message
	}
	return f.detail
}

// answer answers the fault's problem.
func (f *bodyFault) answer(c *gin.Context) {
	if f.field != "" {
		invalid(c, f.field, f.message)
		return
	}
	problem(c, f.status, f.detail)
}

// readBody reads a JSON body of at most limit bytes, answering a problem
// when it cannot (readIngestBody).
func readBody(c *gin.Context, limit int64) ([]byte, bool) {
	body, fault := readIngestBody(c, limit)
	if fault != nil {
		fault.answer(c)
		return nil, false
	}
	return body, true
}

// readIngestBody reads a JSON body of at most limit bytes (after gzip,
// which some Segment libraries use), or says why it cannot, with what it
// read. The body may come as text/plain: Segment's browser library and
// beacons send it so, which spares the browser a preflight where no header
// needs one.
func readIngestBody(c *gin.Context, limit int64) ([]byte, *bodyFault) {
	if ct := c.ContentType(); ct != "" && ct != "application/json" && ct != "text/plain" {
		return nil, &bodyFault{status: http.StatusUnsupportedMediaType, detail: "send the body as application/json (or text/plain), not " + ct}
	}
	var r io.Reader = c.Request.Body
	if c.GetHeader("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(c.Request.Body)
		if err != nil {
			return nil, &bodyFault{status: http.StatusBadRequest, field: "body", message: "is not valid gzip: " + err.Error()}
		}
		defer gz.Close() //nolint:errcheck // a reader: io.ReadAll below reports any error in the stream
		r = gz
	}
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	switch {
	case err != nil:
		return body, &bodyFault{status: http.StatusBadRequest, field: "body", message: "could not be read: " + err.Error()}
	case int64(len(body)) > limit:
		return body, &bodyFault{status: http.StatusRequestEntityTooLarge, detail: fmt.Sprintf("the body is larger than %d KB", limit>>10)}
	case len(body) == 0:
		return nil, &bodyFault{status: http.StatusBadRequest, field: "body", message: "is empty: send a JSON object"}
	}
	return body, nil
}

// decodeProblem answers 400 naming every field at fault.
func decodeProblem(c *gin.Context, err error) {
	var errs ingest.Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		invalid(c, "body", err.Error())
		return
	}
	problem(c, http.StatusBadRequest, errs[0].Field+": "+errs[0].Message, errs...)
}

// countCalls is how many distinct calls of a batch the errors name.
func countCalls(errs ingest.Errors) int {
	seen := map[string]bool{}
	for _, e := range errs {
		call, _, _ := strings.Cut(e.Field, "]")
		seen[call] = true
	}
	return len(seen)
}

// ingestError wraps a pipeline failure with the step that failed.
func ingestError(err error) error { return fmt.Errorf("ingest events: %w", err) }
