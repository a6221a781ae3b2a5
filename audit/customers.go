package audit

import (
	"encoding/json"
	"slices"
)

// customerNames are the JSON members whose values name a customer: the
// Segment spec's ids and Tabiji's own.
var customerNames = map[string]bool{
	"userId": true, "anonymousId": true, "previousId": true, "customerId": true, "customer_id": true, "user_id": true,
}

// maxCustomers bounds the customers one record names (an import's answer
// may name many): past it, a record is still about them all through its
// before and after, which a bounded list cannot promise, so the list ends
// there and CustomerIDs says so.
const maxCustomers = 1000

// CustomerIDs returns the customer ids the documents name (members such as
// userId and customerId, at any depth), each once, and whether the list is
// whole (false past maxCustomers).
func CustomerIDs(docs ...json.RawMessage) ([]string, bool) {
	var ids []string
	for _, doc := range docs {
		v, ok := decode(doc)
		if ok {
			ids = collect(v, ids)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > maxCustomers {
		return ids[:maxCustomers], false
	}
	return ids, true
}

func collect(v any, ids []string) []string {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if s, ok := val.(string); ok && customerNames[k] && s != "" {
				ids = append(ids, s)
				continue
			}
			ids = collect(val, ids)
		}
	case []any:
		for _, val := range t {
			ids = collect(val, ids)
		}
	}
	return ids
}
