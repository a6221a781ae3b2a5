package unsubscribe

import (
	"errors"
	"strings"
	"testing"
)

func TestToken(t *testing.T) {
	tok := Token{WorkspaceID: "w", CustomerID: "u1", Channel: "email", Topic: "news", MessageID: "m1"}
	signed := Sign("secret", tok)
	if got, err := Parse("secret", signed); err != nil || got != tok {
		t.Errorf("Parse(Sign) = %+v %v", got, err)
	}
	if url := URL("secret", "https://t.example/", tok); url != "https://t.example/u/"+signed {
		t.Errorf("URL = %s", url)
	}
	payload, sig, _ := strings.Cut(signed, ".")
	other := Sign("secret", Token{WorkspaceID: "w", CustomerID: "u2", Channel: "email"})
	otherPayload, _, _ := strings.Cut(other, ".")
	for name, bad := range map[string]string{
		"another secret":  Sign("other", tok),
		"swapped payload": otherPayload + "." + sig,
		"no signature":    payload,
		"garbage":         "%%%.%%%",
		"empty":           "",
		"truncated sig":   payload + "." + sig[:10],
	} {
		if _, err := Parse("secret", bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := Parse("", Sign("", tok)); !errors.Is(err, ErrInvalid) {
		t.Error("an empty secret verifies")
	}
}
