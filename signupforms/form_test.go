package signupforms

import (
	"errors"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

func fieldsOf(err error) []string {
	var errs jsonfields.Errors
	if !errors.As(err, &errs) {
		return nil
	}
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

func TestPrepare(t *testing.T) {
	t.Run("FillsWhatIsLeftOut", func(t *testing.T) {
		f, err := Prepare(store.SignupForm{Wording: map[string]string{"en": " I agree. "}})
		if err != nil || f.Event != DefaultEvent || f.Wording["en"] != "I agree." || f.Wording["ja"] != DefaultWording["ja"] || f.Title["ja"] != DefaultTitle["ja"] {
			t.Errorf("Prepare = %+v, %v", f, err)
		}
	})
	t.Run("NamesEachBadField", func(t *testing.T) {
		_, err := Prepare(store.SignupForm{Topic: strings.Repeat("x", 201), Wording: map[string]string{"fr": "oui"},
			Title: map[string]string{"ja": "a\x00b"}})
		if got := strings.Join(fieldsOf(err), ","); got != "topic,title.ja,wording.fr" {
			t.Errorf("fields = %s (%v)", got, err)
		}
	})
}

func TestSubmissionValidate(t *testing.T) {
	ok := Submission{Email: "hanako@example.jp", Name: "山田 花子", Consent: true}
	if err := ok.Validate(); err != nil {
		t.Errorf("a good submission: %v", err)
	}
	bad := Submission{Email: "Hanako <hanako@example.jp>", Name: strings.Repeat("名", 101)}
	if got := strings.Join(fieldsOf(bad.Validate()), ","); got != "email,name,consent" {
		t.Errorf("fields = %s", got)
	}
}

func TestLanguage(t *testing.T) {
	for _, c := range []struct{ lang, accept, workspace, want string }{
		{"en", "ja", "ja", "en"},
		{"", "ja-JP,ja;q=0.9,en;q=0.8", "en", "ja"},
		{"fr", "fr-FR", "ja", "ja"},
		{"", "", "", "en"},
		{"", "en-GB", "ja", "en"},
	} {
		if got := Language(c.lang, c.accept, c.workspace); got != c.want {
			t.Errorf("Language(%q, %q, %q) = %q, want %q", c.lang, c.accept, c.workspace, got, c.want)
		}
	}
}

func TestCustomerIDHidesTheAddress(t *testing.T) {
	a, b := CustomerID("acme", "Hanako@Example.jp"), CustomerID("acme", "hanako@example.jp")
	if a != b || strings.Contains(a, "hanako") || CustomerID("other", "hanako@example.jp") == a {
		t.Errorf("ids %s %s", a, b)
	}
}
