package optin

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tabiji/tabiji/unsubscribe"
)

func TestToken(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	tok := New("w", "u1", "email", "news", "m1", now)
	signed := Sign("secret", tok)

	t.Run("ASignedTokenReadsBack", func(t *testing.T) {
		t.Parallel()
		got, err := Parse("secret", signed, now.Add(TTL-time.Second))
		if err != nil || got != tok {
			t.Errorf("Parse = %+v, %v", got, err)
		}
		if u := URL("secret", "https://t.example/", tok); u != "https://t.example/optin/"+signed {
			t.Errorf("URL = %s", u)
		}
	})
	t.Run("AnOldTokenHasExpired", func(t *testing.T) {
		t.Parallel()
		if _, err := Parse("secret", signed, now.Add(TTL+time.Second)); !errors.Is(err, ErrExpired) {
			t.Errorf("Parse = %v, want ErrExpired", err)
		}
	})
	t.Run("ForgedOrTamperedTokensAreRefused", func(t *testing.T) {
		t.Parallel()
		payload, sig, _ := strings.Cut(signed, ".")
		other := New("w", "u2", "email", "news", "m1", now) // another customer under the same signature
		otherPayload, _, _ := strings.Cut(Sign("secret", other), ".")
		for name, bad := range map[string]string{
			"AnotherSecret":          Sign("guessed", tok),
			"AnotherCustomersBody":   otherPayload + "." + sig,
			"ATruncatedSignature":    payload + "." + sig[:10],
			"NoSignature":            payload,
			"AnUnsubscribeToken":     unsubscribe.Sign("secret", unsubscribe.Token{WorkspaceID: "w", CustomerID: "u1", Channel: "email"}),
			"ALaterExpiry":           base64.RawURLEncoding.EncodeToString([]byte(`{"w":"w","c":"u1","ch":"email","e":99999999999}`)) + "." + sig,
			"AnEmptySecretSignsNone": Sign("", tok),
		} {
			secret := "secret"
			if name == "AnEmptySecretSignsNone" {
				secret = ""
			}
			if _, err := Parse(secret, bad, now); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: Parse = %v, want ErrInvalid", name, err)
			}
		}
	})
}
