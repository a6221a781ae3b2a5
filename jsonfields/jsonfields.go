// Package jsonfields lists every field of a JSON document that the Go type
// it decodes into lacks or cannot hold, each with its full path
// ("nodes[2].nxt"): encoding/json names only the first, and without its path.
package jsonfields

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Check walks a JSON document beside the Go type t it decodes into and
// lists every field t lacks or cannot hold. It returns nil for a document
// that is not JSON at all.
func Check(raw []byte, t reflect.Type) Errors {
	var doc any
	if json.Unmarshal(raw, &doc) != nil {
		return nil //nolint:nilerr // documented: the decoder reports what is not JSON
	}
	var errs Errors
	walkFields("", doc, t, &errs)
	return errs
}

func walkFields(path string, v any, t reflect.Type, errs *Errors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	_, isList := v.([]any)
	_, isObject := v.(map[string]any)
	switch {
	case isList && t.Kind() == reflect.Slice:
		for i, x := range v.([]any) {
			walkFields(fmt.Sprintf("%s[%d]", path, i), x, t.Elem(), errs)
		}
	case isObject && t.Kind() == reflect.Struct && !t.Implements(unmarshalerType) && !reflect.PointerTo(t).Implements(unmarshalerType):
		walkObject(path, v.(map[string]any), t, errs)
	default:
		checkLeaf(path, v, t, errs)
	}
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// checkLeaf decodes one value on its own into its field's type, so a wrong
// type or a bad duration is reported at its own path.
func checkLeaf(path string, v any, t reflect.Type, errs *Errors) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	if err := json.Unmarshal(b, reflect.New(t).Interface()); err != nil {
		msg := err.Error()
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			msg = fmt.Sprintf("must be a %s", describeType(typeErr.Type))
		}
		*errs = append(*errs, Error{Field: path, Message: msg})
	}
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "whole number"
	case reflect.Float64, reflect.Float32:
		return "number"
	}
	return t.Kind().String()
}

func walkObject(path string, v map[string]any, t reflect.Type, errs *Errors) {
	{
		fields := jsonFields(t)
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := strings.TrimPrefix(path+"."+k, ".")
			ft, ok := fields[k]
			if !ok {
				*errs = append(*errs, Error{Field: p, Message: "unknown field"})
				continue
			}
			walkFields(p, v[k], ft, errs)
		}
	}
}

// jsonFields maps the JSON names of a struct's fields, embedded ones
// included, to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
