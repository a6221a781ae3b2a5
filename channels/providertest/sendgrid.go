package providertest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
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
		if err := s.validate(r, body); err != nil {
			return err
		}
		return checkSubstitutions(body)
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

// SubstitutionLimit is the most bytes the substitutions of one
// personalization may take, tags and values together.
const SubstitutionLimit = 10000

// checkSubstitutions applies the spec's rules on substitutions that its
// schema does not state: "The key/value pairs must be strings" and "The
// total collective size of your substitutions may not exceed 10,000 bytes
// per personalization object."
func checkSubstitutions(body []byte) error {
	var req struct {
		Personalizations []struct {
			Substitutions map[string]any `json:"substitutions"`
		} `json:"personalizations"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return err
	}
	for i, p := range req.Personalizations {
		size := 0
		for k, v := range p.Substitutions {
			s, ok := v.(string)
			if !ok {
				return fmt.Errorf("personalizations[%d].substitutions[%q]: the value must be a string, not %T", i, k, v)
			}
			size += len(k) + len(s)
		}
		if size > SubstitutionLimit {
			return fmt.Errorf("personalizations[%d].substitutions: %d bytes, over the %d a personalization may hold", i, size, SubstitutionLimit)
		}
	}
	return nil
}

// Mail is one email a Mail Send request delivers: a personalization with
// its substitutions applied to the subject, reply-to and every content.
type Mail struct {
	To         string
	Subject    string
	ReplyTo    string
	Content    map[string]string // by MIME type
	CustomArgs map[string]string
	Headers    map[string]string
}

// Mails is what a Mail Send request delivers, one Mail per
// personalization (to its first recipient), as SendGrid would: each
// substitution tag of the personalization is replaced, tag after tag, in
// the subject, reply-to and content.
func Mails(t testing.TB, r Request) []Mail {
	t.Helper()
	var req struct {
		Personalizations []struct {
			To            []struct{ Email string } `json:"to"`
			Subject       string                   `json:"subject"`
			Substitutions map[string]string        `json:"substitutions"`
			CustomArgs    map[string]string        `json:"custom_args"`
			Headers       map[string]string        `json:"headers"`
		} `json:"personalizations"`
		Subject string `json:"subject"`
		ReplyTo struct {
			Email string `json:"email"`
		} `json:"reply_to"`
		Content []struct{ Type, Value string } `json:"content"`
	}
	r.JSON(t, &req)
	out := make([]Mail, len(req.Personalizations))
	for i, p := range req.Personalizations {
		keys := slices.Sorted(maps.Keys(p.Substitutions))
		sub := func(s string) string {
			for _, k := range keys {
				s = strings.ReplaceAll(s, k, p.Substitutions[k])
			}
			return s
		}
		m := Mail{Subject: sub(cmp.Or(p.Subject, req.Subject)), ReplyTo: sub(req.ReplyTo.Email), Content: map[string]string{},
			CustomArgs: p.CustomArgs, Headers: p.Headers}
		if len(p.To) > 0 {
			m.To = p.To[0].Email
		}
		for _, c := range req.Content {
			m.Content[c.Type] = sub(c.Value)
		}
		out[i] = m
	}
	return out
}
