package people

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPasswordHashes(t *testing.T) {
	t.Run("AHashIsAnArgon2idPHCStringWithItsParameters", func(t *testing.T) {
		h, err := DefaultParams.Hash("correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Count(h, "$") != 5 {
			t.Fatalf("hash %q", h)
		}
		again, _ := DefaultParams.Hash("correct horse battery")
		if again == h {
			t.Error("two hashes of one password are equal: no salt")
		}
	})
	t.Run("TheRightPasswordVerifiesAndTheWrongOneNot", func(t *testing.T) {
		h, _ := DefaultParams.Hash("correct horse battery")
		if ok, rehash, err := DefaultParams.Verify(h, "correct horse battery"); !ok || rehash || err != nil {
			t.Errorf("right password: %v %v %v", ok, rehash, err)
		}
		if ok, _, err := DefaultParams.Verify(h, "correct horse batterY"); ok || err != nil {
			t.Errorf("wrong password: %v %v", ok, err)
		}
	})
	t.Run("AHashWithOtherParametersVerifiesAndAsksToBeMadeAgain", func(t *testing.T) {
		old := Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
		h, _ := old.Hash("correct horse battery")
		if ok, rehash, err := DefaultParams.Verify(h, "correct horse battery"); !ok || !rehash || err != nil {
			t.Errorf("older parameters: %v %v %v", ok, rehash, err)
		}
	})
	t.Run("AMalformedHashIsAnError", func(t *testing.T) {
		for _, h := range []string{"", "plain", "$2a$10$abcdefghijklmnopqrstuv", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
			"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
			"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5"} {
			if _, _, err := DefaultParams.Verify(h, "x"); !errors.Is(err, ErrMalformedHash) {
				t.Errorf("Verify(%q) = %v", h, err)
			}
		}
	})
	t.Run("PasswordsAreCheckedForLength", func(t *testing.T) {
		if CheckPassword("short") == "" || CheckPassword(strings.Repeat("x", MaxPasswordLen+1)) == "" || CheckPassword("long enough password") != "" {
			t.Error("length checks")
		}
	})
}

func TestLinks(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := Link{Kind: KindInvitation, ID: "tok_1", Expires: now.Add(InvitationTTL).Unix()}
	token := SignLink("secret", l)
	t.Run("ASignedLinkReadsBack", func(t *testing.T) {
		if got, err := ParseLink("secret", KindInvitation, token, now); err != nil || got != l {
			t.Fatalf("ParseLink = %+v, %v", got, err)
		}
	})
	t.Run("AnotherSecretOrKindOrAChangedByteIsInvalid", func(t *testing.T) {
		for name, tc := range map[string]struct{ secret, kind, token string }{
			"OtherSecret": {"other", KindInvitation, token}, "OtherKind": {"secret", KindReset, token},
			"NoSecret": {"", KindInvitation, token}, "Changed": {"secret", KindInvitation, "x" + token[1:]},
			"NoSignature": {"secret", KindInvitation, strings.Split(token, ".")[0]}, "Empty": {"secret", KindInvitation, ""},
		} {
			if _, err := ParseLink(tc.secret, tc.kind, tc.token, now); !errors.Is(err, ErrInvalidLink) {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
	t.Run("AnOldLinkIsExpired", func(t *testing.T) {
		if _, err := ParseLink("secret", KindInvitation, token, now.Add(InvitationTTL+time.Second)); !errors.Is(err, ErrExpiredLink) {
			t.Errorf("expired: %v", err)
		}
	})
	t.Run("TheCSRFTokenFollowsTheSession", func(t *testing.T) {
		a, b := CSRFToken("session-a"), CSRFToken("session-b")
		if a == "" || a == b || a == "session-a" || CSRFToken("") != "" || CSRFToken("session-a") != a {
			t.Errorf("csrf tokens %q %q", a, b)
		}
	})
}

func TestRoles(t *testing.T) {
	for _, r := range Roles {
		if got, err := ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	if _, err := ParseRole("admin"); err == nil || !strings.Contains(err.Error(), "owner, marketer, analyst, developer") {
		t.Errorf("ParseRole(admin) = %v", err)
	}
	if NormalizeEmail("  Ann@Example.COM ") != "ann@example.com" {
		t.Error("NormalizeEmail")
	}
}
