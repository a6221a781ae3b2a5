package people

import (
	"errors"
	"strings"
	"testing"
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

func TestCSRFToken(t *testing.T) {
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
