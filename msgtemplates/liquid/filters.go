package liquid

import (
	"fmt"
	"html"
	"reflect"

	"github.com/osteele/liquid/render"
)

// addFilters adds Liquid's standard filters, each bounded (a string over
// MaxOutput or an array over MaxItems is an error, so that doubling a
// value in a chain of assigns stops early), and the sandbox's own: raw
// marks a value as HTML to write as it is; escape and escape_once mark
// what they escaped, so that it is not escaped twice; and the filters for
// names, yen and Japanese dates (japanese.go).
func addFilters(cfg *render.Config, f *formatter, rc *renderConfig) {
	standardFilters(boundedFilters{cfg, rc})
	addJapaneseFilters(boundedFilters{cfg, rc})
	cfg.AddFilter("raw", func(v any) (rawHTML, error) {
		s, err := f.format(v, false)
		return rawHTML{s}, err
	})
	cfg.AddFilter("escape", func(s string) rawHTML { return rawHTML{html.EscapeString(s)} })
	cfg.AddFilter("escape_once", func(s string) rawHTML {
		return rawHTML{html.EscapeString(html.UnescapeString(s))}
	})
}

// boundedFilters adds each filter wrapped by bound.
type boundedFilters struct {
	cfg *render.Config
	rc  *renderConfig
}

func (b boundedFilters) AddFilter(name string, fn any) { b.cfg.AddFilter(name, bound(name, fn, b.rc)) }

var errorType = reflect.TypeFor[error]()

// bound wraps a filter function into one of the same inputs that returns
// (result, error), the error set when the result is over a budget, when
// all the render's filters made more than MaxFiltered, or when the
// render's time is up. The library calls filters by reflection and
// accepts both shapes.
func bound(name string, fn any, rc *renderConfig) any {
	fv := reflect.ValueOf(fn)
	ft := fv.Type()
	in := make([]reflect.Type, ft.NumIn())
	for i := range in {
		in[i] = ft.In(i)
	}
	wt := reflect.FuncOf(in, []reflect.Type{ft.Out(0), errorType}, ft.IsVariadic())
	return reflect.MakeFunc(wt, func(args []reflect.Value) []reflect.Value {
		var out []reflect.Value
		if ft.IsVariadic() {
			out = fv.CallSlice(args)
		} else {
			out = fv.Call(args)
		}
		errv := reflect.Zero(errorType)
		if len(out) == 2 && !out[1].IsNil() {
			errv = out[1]
		} else if err := overBudget(name, out[0], rc.st); err != nil {
			errv = reflect.ValueOf(&err).Elem()
		}
		return []reflect.Value{out[0], errv}
	}).Interface()
}

// overBudget says whether a filter's result is too large to keep, or
// the render (st, nil outside one) is over its budgets.
func overBudget(name string, v reflect.Value, st *state) error {
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	size := 0
	switch v.Kind() {
	case reflect.String:
		if size = v.Len(); size > MaxOutput {
			return fmt.Errorf("%s made a string longer than %d KB: %w", name, MaxOutput>>10, ErrBudget)
		}
	case reflect.Slice, reflect.Array:
		limit := MaxItems
		if v.Type().Elem().Kind() == reflect.Uint8 {
			limit = MaxOutput
		}
		if size = v.Len(); size > limit {
			return fmt.Errorf("%s made an array of more than %d items: %w", name, limit, ErrBudget)
		}
	}
	if st == nil {
		return nil
	}
	if st.filtered += size; st.filtered > MaxFiltered {
		return fmt.Errorf("filters made more than %d MB: %w", MaxFiltered>>20, ErrBudget)
	}
	return st.check()
}
