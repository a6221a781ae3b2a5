package journey

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// numeric is a decimal number as a string, as event_revenue accepts it.
var numeric = regexp.MustCompile(`^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$`)

// RevenueProperties are the event properties read as an order's revenue,
// first present first: Segment's Order Completed spec names "revenue",
// the example taxonomy's purchase carries "total", and "value" is the
// generic one. The SQL function event_revenue reads them the same way.
var RevenueProperties = []string{"revenue", "total", "value"}

// Revenue is the event's revenue: the first of RevenueProperties that holds
// a number (or a numeric string), 0 when none does.
func Revenue(properties map[string]any) float64 {
	for _, name := range RevenueProperties {
		if v, ok := number(properties[name]); ok {
			return v
		}
	}
	return 0
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case string:
		if !numeric.MatchString(n) {
			return 0, false
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil
	}
	return 0, false
}
