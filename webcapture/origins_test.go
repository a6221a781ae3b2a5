package webcapture

import (
	"errors"
	"slices"
	"testing"

	"github.com/tabiji/tabiji/jsonfields"
)

func TestCheckOrigins(t *testing.T) {
	t.Run("NormalisesAsBrowsersSendThem", func(t *testing.T) {
		got, err := CheckOrigins([]string{"HTTPS://Shop.Example:443/", "http://localhost:3000", "https://shop.example", "http://[::1]:8080"})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"http://[::1]:8080", "http://localhost:3000", "https://shop.example"}
		if !slices.Equal(got, want) {
			t.Errorf("CheckOrigins = %v, want %v", got, want)
		}
	})
	t.Run("RefusesWhatIsNotAnOriginNamingTheEntry", func(t *testing.T) {
		for _, bad := range []string{"shop.example", "ftp://shop.example", "https://shop.example/path", "https://*.shop.example",
			"null", "*", "https://user@shop.example", "https://shop.example?x=1", "https://shop.example:99999", ""} {
			_, err := CheckOrigins([]string{"https://ok.example", bad})
			var fields jsonfields.Errors
			if !errors.As(err, &fields) || len(fields) != 1 || fields[0].Field != "origins[1]" {
				t.Errorf("CheckOrigins(%q) = %v, want an error on origins[1]", bad, err)
			}
		}
	})
	t.Run("RefusesTooMany", func(t *testing.T) {
		many := make([]string, MaxOrigins+1)
		for i := range many {
			many[i] = "https://shop.example"
		}
		var fields jsonfields.Errors
		if _, err := CheckOrigins(many); !errors.As(err, &fields) || fields[0].Field != "origins" {
			t.Errorf("CheckOrigins(%d entries) = %v", len(many), err)
		}
	})
}
