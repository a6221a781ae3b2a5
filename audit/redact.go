// Package audit is the audit log's own business, apart from the HTTP that
// feeds it and the store that keeps it: secrets redacted from what a change
// looked like before and after, the customers a record is about (so that
// erasing one blanks their records), and the CSV export.
package audit

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// Set and Changed stand for a secret's value in a record: set (it has one,
// unchanged by the change) or changed (the change gave it a new one).
const (
	Set     = "set"
	Changed = "changed"
)

// secretNames are the JSON member names (lower case, without - and _)
// whose values are secrets: channel credentials, keys, tokens, passwords,
// and the fingerprints of write-only settings.
var secretNames = map[string]bool{
	"secret": true, "password": true, "passwordhash": true, "fingerprint": true, "token": true, "apikey": true,
	"authtoken": true, "privatekey": true, "channelsecret": true, "channelaccesstoken": true, "serviceaccount": true,
	"credentials": true, "key": true, "webhookpublickey": true, "signingkey": true, "clientsecret": true,
	"invitelink": true, // an invitation's link: its token joins the workspace
}

// secretName says whether a member named name holds a secret.
func secretName(name string) bool {
	n := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(name))
	return secretNames[n]
}

// Redact returns before and after with every secret value replaced: by
// Set in before, and in after by Changed when it differs from before's
// value at the same place, else by Set. A member "value" of an object
// marked "writeOnly": true is a secret too. Documents that are not JSON
// are left out (nil).
func Redact(before, after json.RawMessage) (json.RawMessage, json.RawMessage) {
	b, bok := decode(before)
	a, aok := decode(after)
	var outB, outA json.RawMessage
	if bok {
		outB = encode(redact(b, nil, false))
	}
	if aok {
		outA = encode(redact(a, b, true))
	}
	return outB, outA
}

func decode(doc json.RawMessage) (any, bool) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, false
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

func encode(v any) json.RawMessage {
	out, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return out
}

// redact replaces the secrets of v; old is v's counterpart in the document
// before the change, compared when isAfter.
func redact(v, old any, isAfter bool) any {
	switch t := v.(type) {
	case map[string]any:
		oldMap, _ := old.(map[string]any)
		writeOnly := t["writeOnly"] == true
		out := make(map[string]any, len(t))
		for k, val := range t {
			if secretName(k) || (writeOnly && k == "value") {
				out[k] = mask(val, oldMap[k], isAfter)
				continue
			}
			out[k] = redact(val, oldMap[k], isAfter)
		}
		return out
	case []any:
		oldList, _ := old.([]any)
		out := make([]any, len(t))
		for i, val := range t {
			var o any
			if i < len(oldList) {
				o = oldList[i]
			}
			out[i] = redact(val, o, isAfter)
		}
		return out
	}
	return v
}

// mask is a secret's stand-in: empty values stay what they are (there is
// no secret to hide), others become Set or Changed.
func mask(val, old any, isAfter bool) any {
	if empty(val) {
		return val
	}
	if isAfter && !empty(old) && !reflect.DeepEqual(val, old) {
		return Changed
	}
	return Set
}

func empty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case bool:
		return !t
	}
	return false
}
