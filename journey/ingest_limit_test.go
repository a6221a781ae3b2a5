package journey_test

import (
	"testing"

	"github.com/tabiji/tabiji/ingest"
	"github.com/tabiji/tabiji/journey"
)

// TestCELAssumesTheLargestIngestedValue: the cost estimates assume values
// as large as one ingestion call can carry. An external test package,
// since ingest (its pipeline) imports journey.
func TestCELAssumesTheLargestIngestedValue(t *testing.T) {
	if journey.MaxValueSize != ingest.MaxCall {
		t.Errorf("MaxValueSize = %d; ingest.MaxCall = %d", journey.MaxValueSize, ingest.MaxCall)
	}
}
