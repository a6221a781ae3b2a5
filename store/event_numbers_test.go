package store

import "testing"

func TestEventNumbers(t *testing.T) {
	for _, c := range []struct{ props, sums, nums string }{
		{`{}`, `{}`, `{}`},
		{`[]`, `{}`, `{}`},
		{`not json`, `{}`, `{}`},
		{`{"orderId":"o_1","revenue":4980,"currency":"JPY","products":[{"price":2490,"quantity":2}]}`, `{"revenue":4980}`, `{"revenue":1}`},
		{`{ "a" : -1.50e+2 , "b" : 0.10, "c": true, "d": null, "e": {"f": 1} }`, `{"a":-1.50e+2,"b":0.10}`, `{"a":1,"b":1}`},
		{`{"a":1,"a":"x"}`, `{}`, `{}`},
		{`{"a":"x","a":2}`, `{"a":2}`, `{"a":1}`},
		{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`, `{"a":1,"b":1}`},
		{`{"\u00e9t\"e":12345678901234567890123456789}`, `{"ét\"e":12345678901234567890123456789}`, `{"ét\"e":1}`},
	} {
		sums, nums := eventNumbers([]byte(c.props))
		if sums != c.sums || nums != c.nums {
			t.Errorf("eventNumbers(%s) = %s, %s; want %s, %s", c.props, sums, nums, c.sums, c.nums)
		}
	}
}
