package cli

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/store"
)

func TestPrintJourneyStatsListsEntryErrors(t *testing.T) {
	var b strings.Builder
	st := store.JourneyStats{JourneyID: "cart", EntryErrors: []store.ExitStats{{Reason: "cel_cost_limit", Count: 3}}}
	if err := printJourneyStats(&b, st); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "ENTRY FILTER FAILED") || !regexp.MustCompile(`cel_cost_limit +3`).MatchString(b.String()) {
		t.Errorf("printed:\n%s", b.String())
	}
}
