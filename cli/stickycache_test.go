package cli

import (
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// TestStickyCacheFlags: the size comes from --sticky-cache-size or
// TABIJI_STICKY_CACHE_SIZE with the SDK's default, 10,000; a size under
// one run is refused naming the flag.
func TestStickyCacheFlags(t *testing.T) {
	parse := func(args ...string) StickyCacheFlags {
		t.Helper()
		var cli struct {
			Cache StickyCacheFlags `embed:""`
		}
		parser, err := kong.New(&cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.Parse(args); err != nil {
			t.Fatal(err)
		}
		return cli.Cache
	}
	if got := parse().StickyCacheSize; got != 10_000 {
		t.Errorf("default = %d, want 10000", got)
	}
	t.Setenv("TABIJI_STICKY_CACHE_SIZE", "1000")
	if got := parse().StickyCacheSize; got != 1000 {
		t.Errorf("from the environment = %d, want 1000", got)
	}
	if got := parse("--sticky-cache-size=250").StickyCacheSize; got != 250 {
		t.Errorf("from the flag = %d, want 250", got)
	}
	for _, bad := range []int{0, -5} {
		if err := (StickyCacheFlags{StickyCacheSize: bad}).apply(); err == nil || !strings.Contains(err.Error(), "--sticky-cache-size") {
			t.Errorf("size %d: %v, want a refusal naming --sticky-cache-size", bad, err)
		}
	}
}
