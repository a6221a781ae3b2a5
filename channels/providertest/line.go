package providertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// LINESpec is the Messaging API description, relative to SpecsDir.
const LINESpec = "line/messaging-api.yml"

// LINE is a fake LINE Messaging API: push and multicast (checked against
// the spec, answering 409 with x-line-accepted-request-id when a retry key
// it already accepted comes again, as LINE does), the quota endpoints, link
// tokens and rich menu bulk link and unlink (remembering each user's menu).
type LINE struct {
	*Server
	accepted map[string]string // retry key → request ID that used it
	sent     int64             // messages × recipients accepted
	n        int               // requests answered 200
	limit    int64             // the monthly quota the fake reports
	menus    map[string]string // LINE user → the rich menu linked to them
	tokens   int               // link tokens issued
}

// SetQuota sets the monthly message quota the fake reports (500 at start).
func (l *LINE) SetQuota(limit int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limit = limit
}

// NewLINE starts a fake LINE Messaging API.
func NewLINE(t testing.TB) *LINE {
	t.Helper()
	l := &LINE{Server: newServer(t, LINESpec, lineError), accepted: map[string]string{}, limit: 500, menus: map[string]string{}}
	check := func(r *http.Request, body []byte) error {
		if err := bearer(r); err != nil {
			return err
		}
		return l.validate(r, body)
	}
	l.before = l.conflict
	mux := http.NewServeMux()
	mux.HandleFunc("/v2/bot/message/quota", l.serve(check, l.quota))
	mux.HandleFunc("/v2/bot/message/quota/consumption", l.serve(check, l.consumption))
	mux.HandleFunc("/v2/bot/user/{userId}/linkToken", l.serve(check, l.linkToken))
	mux.HandleFunc("/v2/bot/richmenu/bulk/link", l.serve(check, l.richMenu))
	mux.HandleFunc("/v2/bot/richmenu/bulk/unlink", l.serve(check, l.richMenu))
	mux.HandleFunc("/", l.serve(check, l.send))
	l.start(mux)
	return l
}

// send answers push and multicast: 200 with a request ID, remembering the
// retry key.
func (l *LINE) send(w http.ResponseWriter, r *http.Request, body []byte) int {
	var req struct {
		To       json.RawMessage   `json:"to"`
		Messages []json.RawMessage `json:"messages"`
	}
	_ = json.Unmarshal(body, &req)
	var to []string
	if json.Unmarshal(req.To, &to) != nil {
		to = []string{""}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	key := r.Header.Get("X-Line-Retry-Key")
	l.n++
	id := fmt.Sprintf("line-req-%d", l.n)
	if key != "" {
		l.accepted[key] = id
	}
	l.sent += int64(len(to) * len(req.Messages))
	w.Header().Set("X-Line-Request-Id", id)
	if r.URL.Path == "/v2/bot/message/push" {
		sent := make([]map[string]string, len(req.Messages))
		for i := range sent {
			sent[i] = map[string]string{"id": fmt.Sprintf("%s-%d", id, i), "quoteToken": "q"}
		}
		b, _ := json.Marshal(map[string]any{"sentMessages": sent})
		writeJSON(w, http.StatusOK, b)
	} else {
		writeJSON(w, http.StatusOK, []byte("{}"))
	}
	return http.StatusOK
}

// conflict answers 409 with the first request's ID when the retry key was
// already accepted. It runs before scripted faults: LINE recognises a
// repeated key ahead of anything else.
func (l *LINE) conflict(w http.ResponseWriter, r *http.Request) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := r.Header.Get("X-Line-Retry-Key")
	first, ok := l.accepted[key]
	if !ok || key == "" {
		return 0
	}
	w.Header().Set("X-Line-Accepted-Request-Id", first)
	writeJSON(w, http.StatusConflict, lineError(http.StatusConflict, "The retry key is already accepted"))
	return http.StatusConflict
}

func (l *LINE) quota(w http.ResponseWriter, _ *http.Request, _ []byte) int {
	l.mu.Lock()
	b, _ := json.Marshal(map[string]any{"type": "limited", "value": l.limit})
	l.mu.Unlock()
	writeJSON(w, http.StatusOK, b)
	return http.StatusOK
}

func (l *LINE) consumption(w http.ResponseWriter, _ *http.Request, _ []byte) int {
	l.mu.Lock()
	b, _ := json.Marshal(map[string]any{"totalUsage": l.sent})
	l.mu.Unlock()
	writeJSON(w, http.StatusOK, b)
	return http.StatusOK
}

func lineError(status int, msg string) []byte {
	b, _ := json.Marshal(map[string]any{"message": msg, "details": []map[string]string{{"property": "scripted", "message": fmt.Sprintf("HTTP %d", status)}}})
	return b
}

// linkToken issues a link token for the user in the path.
func (l *LINE) linkToken(w http.ResponseWriter, r *http.Request, _ []byte) int {
	l.mu.Lock()
	l.tokens++
	tok := fmt.Sprintf("linktoken-%d-%s", l.tokens, r.PathValue("userId"))
	l.mu.Unlock()
	b, _ := json.Marshal(map[string]string{"linkToken": tok})
	writeJSON(w, http.StatusOK, b)
	return http.StatusOK
}

// richMenu links (or, without a richMenuId, unlinks) the users' menus.
func (l *LINE) richMenu(w http.ResponseWriter, _ *http.Request, body []byte) int {
	var req struct {
		RichMenuID string   `json:"richMenuId"`
		UserIDs    []string `json:"userIds"`
	}
	_ = json.Unmarshal(body, &req)
	l.mu.Lock()
	for _, u := range req.UserIDs {
		if req.RichMenuID == "" {
			delete(l.menus, u)
		} else {
			l.menus[u] = req.RichMenuID
		}
	}
	l.mu.Unlock()
	writeJSON(w, http.StatusAccepted, []byte("{}"))
	return http.StatusAccepted
}

// RichMenuOf is the rich menu linked to the user, "" for none.
func (l *LINE) RichMenuOf(user string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.menus[user]
}
