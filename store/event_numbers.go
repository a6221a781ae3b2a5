package store

import (
	"bytes"
	"encoding/json"

	jsoniter "github.com/json-iterator/go"
)

// eventNumbers returns, as JSON objects, the numeric top-level properties of
// an event (each with its literal as sent, so Postgres reads the very numeric
// it would read from the stored properties) and the same keys counting one;
// both "{}" when it has none or properties is not an object. A repeated key
// counts as Postgres' jsonb counts it: the last one wins. This is what the
// event adds to its rollup's sums and nums (00015), found here while the
// bytes are at hand rather than by jsonb_each over every property in SQL.
func eventNumbers(properties []byte) (sums, nums string) {
	iter := jsoniter.ConfigFastest.BorrowIterator(properties)
	defer jsoniter.ConfigFastest.ReturnIterator(iter)
	if iter.WhatIsNext() != jsoniter.ObjectValue {
		return "{}", "{}"
	}
	type number struct {
		key string
		raw []byte
	}
	var found []number
	at := map[string]int{} // key → its index in found
	iter.ReadMapCB(func(it *jsoniter.Iterator, key string) bool {
		if it.WhatIsNext() != jsoniter.NumberValue {
			it.Skip()
			if i, ok := at[key]; ok { // a repeated key: the earlier number no longer counts
				found[i].raw = nil
			}
			return true
		}
		raw := append([]byte(nil), it.SkipAndReturnBytes()...)
		if i, ok := at[key]; ok {
			found[i].raw = raw
		} else {
			at[key] = len(found)
			found = append(found, number{key, raw})
		}
		return true
	})
	if iter.Error != nil {
		return "{}", "{}"
	}
	var s, n bytes.Buffer
	s.WriteByte('{')
	n.WriteByte('{')
	for _, f := range found {
		if f.raw == nil {
			continue
		}
		if s.Len() > 1 {
			s.WriteByte(',')
			n.WriteByte(',')
		}
		k, _ := json.Marshal(f.key) // a Go string always encodes
		s.Write(k)
		s.WriteByte(':')
		s.Write(f.raw)
		n.Write(k)
		n.WriteString(":1")
	}
	s.WriteByte('}')
	n.WriteByte('}')
	return s.String(), n.String()
}
