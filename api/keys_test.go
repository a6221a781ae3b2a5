package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestKeys(t *testing.T) {
	t.Parallel()
	b := setupWebhooks(t)
	admin, _ := b.keys(t, "w")
	other, _ := b.keys(t, "other")
	var created struct{ ID, Role, Name, Secret string }

	t.Run("ACreatedKeyIsShownOnceAndWorks", func(t *testing.T) {
		code, body := b.do(t, "POST", "/v1/keys", admin, `{"role":"write","name":"shop backend"}`)
		if code != http.StatusCreated || json.Unmarshal([]byte(body), &created) != nil || !strings.HasPrefix(created.Secret, "tbj_w_") {
			t.Fatalf("create: %d %s", code, body)
		}
		code, body = b.do(t, "GET", "/v1/keys", admin, "")
		if code != 200 || !strings.Contains(body, created.ID) || strings.Contains(body, created.Secret) || !strings.Contains(body, "shop backend") {
			t.Errorf("list: %d %s", code, body)
		}
		track := map[string]string{"Authorization": "Bearer " + created.Secret, "Content-Type": "application/json"}
		if code, body := b.do(t, "POST", "/v1/track", track, `{"userId":"k1","event":"x","messageId":"k-1"}`); code != 200 {
			t.Errorf("the new key cannot send events: %d %s", code, body)
		}
	})
	t.Run("BadRequestsNameTheField", func(t *testing.T) {
		for body, field := range map[string]string{`{"role":"root","name":"x"}`: `"role"`, `{"role":"admin","name":" "}`: `"name"`, `{"role":"admin","name":"a\nb"}`: `"name"`} {
			if code, got := b.do(t, "POST", "/v1/keys", admin, body); code != http.StatusBadRequest || !strings.Contains(got, field) {
				t.Errorf("%s = %d %s", body, code, got)
			}
		}
	})
	t.Run("AnotherWorkspaceNeitherSeesNorRevokesIt", func(t *testing.T) {
		if code, body := b.do(t, "GET", "/v1/keys", other, ""); code != 200 || strings.Contains(body, created.ID) {
			t.Errorf("the other workspace lists %s", body)
		}
		if code, _ := b.do(t, "DELETE", "/v1/keys/"+created.ID, other, ""); code != http.StatusNotFound {
			t.Errorf("the other workspace's revoke = %d", code)
		}
	})
	t.Run("ARevokedKeyStopsWorking", func(t *testing.T) {
		if code, body := b.do(t, "DELETE", "/v1/keys/"+created.ID, admin, ""); code != 200 || !strings.Contains(body, "revokedAt") {
			t.Fatalf("revoke: %d %s", code, body)
		}
		track := map[string]string{"Authorization": "Bearer " + created.Secret, "Content-Type": "application/json"}
		if code, _ := b.do(t, "POST", "/v1/track", track, `{"userId":"k1","event":"x","messageId":"k-2"}`); code != http.StatusUnauthorized {
			t.Errorf("a revoked key still sends events: %d", code)
		}
		if code, _ := b.do(t, "DELETE", "/v1/keys/nope", admin, ""); code != http.StatusNotFound {
			t.Errorf("revoking an unknown key = %d", code)
		}
	})
}
