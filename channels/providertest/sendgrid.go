package providertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
)

// SendGridSpec is the Mail Send description, relative to SpecsDir.
const SendGridSpec = "sendgrid/sendgrid-mail-send.openapi.json"

// NewSendGrid starts a fake SendGrid: POST /v3/mail/send answers 202 with an
// X-Message-Id; errors carry SendGrid's {"errors":[{"message",…}]} body.
func NewSendGrid(t testing.TB) *Server {
	t.Helper()
	s := newServer(t, SendGridSpec, sendGridError)
	var n atomic.Int64
	check := func(r *http.Request, body []byte) error {
		if err := bearer(r); err != nil {
			return err
		}
		return s.validate(r, body)
	}
	answer := func(w http.ResponseWriter, _ *http.Request, _ []byte) int {
		w.Header().Set("X-Message-Id", fmt.Sprintf("sg-msg-%d", n.Add(1)))
		w.WriteHeader(http.StatusAccepted)
		return http.StatusAccepted
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", s.serve(check, answer))
	s.start(mux)
	return s
}

func sendGridError(status int, msg string) []byte {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]any{{"message": fmt.Sprintf("%s (HTTP %d)", msg, status), "field": nil, "help": nil}}})
	return b
}
