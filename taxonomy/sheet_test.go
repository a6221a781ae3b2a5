package taxonomy_test

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tabiji/tabiji/taxonomy"
)

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var verr taxonomy.ValidationError
	var derr taxonomy.DecodeError
	if errors.As(err, &derr) {
		verr = taxonomy.ValidationError(derr)
	} else if !errors.As(err, &verr) {
		t.Fatalf("error = %v, want a ValidationError or DecodeError", err)
	}
	out := map[string]string{}
	for _, e := range verr {
		out[e.Field] = e.Message
	}
	return out
}

func TestValidateNamesEachField(t *testing.T) {
	sheet := `
unknownEvents: ignore
invalidTraits: allow
events:
  - name: purchase
    status: retired
    onInvalid: drop
    properties:
      - {name: total, type: float}
      - {name: total, type: number}
      - {name: code, type: integer, format: email}
      - {name: kind, type: boolean, enum: [a, b]}
      - {name: tier, type: integer, enum: [1, two, 1]}
      - {name: mail, type: string, format: phone}
      - {name: "", type: string}
  - name: " padded"
  - name: purchase
userProperties:
  - {name: email, type: string, required: true}
`
	_, err := taxonomy.ParseYAML([]byte(sheet))
	got := fieldsOf(t, err)
	for _, f := range []string{
		"unknownEvents", "events[0].status", "events[0].onInvalid", "events[0].properties[0].type",
		"events[0].properties[1].name", "events[0].properties[2].format", "events[0].properties[3].enum",
		"events[0].properties[4].enum[1]", "events[0].properties[4].enum[2]", "events[0].properties[5].format",
		"events[0].properties[6].name", "events[1].name", "events[2].name", "userProperties[0].required",
	} {
		if got[f] == "" {
			t.Errorf("no error names %s; got %v", f, got)
		}
	}
	if len(got) != 14 {
		t.Errorf("%d errors, want 14: %v", len(got), got)
	}
}

func TestParseRefusesUnknownFields(t *testing.T) {
	_, err := taxonomy.ParseJSON([]byte(`{"events":[{"name":"a","propertys":[]}]}`))
	if got := fieldsOf(t, err); got["events.propertys"] == "" && got["propertys"] == "" {
		t.Errorf("JSON: %v", got)
	}
	_, err = taxonomy.ParseYAML([]byte("events:\n  - name: a\n    propertys: []\n"))
	if got := fieldsOf(t, err); !strings.Contains(got["sheet"], "propertys") {
		t.Errorf("YAML: %v", got)
	}
	_, err = taxonomy.ParseJSON([]byte(`{"events":[{"name":"a","properties":[{"name":"x","type":"string","enum":[{}]}]}]}`))
	fieldsOf(t, err)
	for _, empty := range []string{"", "\n# nothing yet\n"} {
		_, err = taxonomy.ParseYAML([]byte(empty))
		if got := fieldsOf(t, err); !strings.Contains(got["sheet"], "empty") {
			t.Errorf("empty YAML %q: %v", empty, got)
		}
	}
	if tx, err := taxonomy.ParseYAML([]byte("events: []\n")); err != nil || len(tx.Events) != 0 {
		t.Errorf("an explicitly empty sheet = %v, %v", tx, err)
	}
}

func example(t *testing.T) *taxonomy.Taxonomy {
	t.Helper()
	data, err := os.ReadFile("../examples/taxonomy.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := taxonomy.ParseYAML(data)
	if err != nil {
		t.Fatalf("the example sheet: %v", err)
	}
	return tx
}

func TestExampleSheet(t *testing.T) {
	tx := example(t)
	names := []string{}
	for _, e := range tx.Events {
		names = append(names, e.Name)
	}
	if want := []string{"app_open", "cart_add", "email_open", "purchase", "sign_up"}; !reflect.DeepEqual(names, want) {
		t.Errorf("events = %v, want %v", names, want)
	}
	names = names[:0]
	for _, p := range tx.UserProperties {
		names = append(names, p.Name)
	}
	if want := []string{"birthday", "email", "lead_score", "phone", "plan"}; !reflect.DeepEqual(names, want) {
		t.Errorf("user properties = %v, want %v", names, want)
	}
}

func TestYAMLRoundTripIsTheIdentity(t *testing.T) {
	for name, tx := range map[string]*taxonomy.Taxonomy{"example": example(t), "shop": normalized(shop()), "empty": normalized(&taxonomy.Taxonomy{})} {
		out, err := tx.ExportYAML()
		if err != nil {
			t.Fatal(err)
		}
		back, err := taxonomy.ParseYAML(out)
		if err != nil {
			t.Fatalf("%s: re-import: %v\n%s", name, err, out)
		}
		if !reflect.DeepEqual(back, tx) {
			t.Errorf("%s: export → import changed the sheet:\n%+v\n%+v", name, back, tx)
		}
		again, _ := back.ExportYAML()
		if string(again) != string(out) {
			t.Errorf("%s: a second export differs:\n%s\n%s", name, out, again)
		}
	}
}

func TestCSVRoundTripIsTheIdentity(t *testing.T) {
	for name, tx := range map[string]*taxonomy.Taxonomy{"example": example(t), "shop": normalized(shop()), "empty": normalized(&taxonomy.Taxonomy{})} {
		out, err := tx.ExportCSV()
		if err != nil {
			t.Fatal(err)
		}
		back, err := taxonomy.ParseCSV(out)
		if err != nil {
			t.Fatalf("%s: re-import: %v\n%s", name, err, out)
		}
		if !reflect.DeepEqual(back, tx) {
			t.Errorf("%s: export → import changed the sheet:\n%+v\n%+v", name, back, tx)
		}
	}
}

func TestParseCSV(t *testing.T) {
	t.Run("ColumnsInAnyOrder", func(t *testing.T) {
		tx, err := taxonomy.ParseCSV([]byte("type,property,event,record,required\nnumber,total,purchase,event,true\n"))
		if err != nil {
			t.Fatal(err)
		}
		p := tx.Events[0].Properties[0]
		if tx.Events[0].Name != "purchase" || p.Name != "total" || p.Type != "number" || !p.Required {
			t.Errorf("parsed %+v", tx.Events)
		}
	})
	t.Run("NamesTheLineAndColumn", func(t *testing.T) {
		_, err := taxonomy.ParseCSV([]byte("record,event,property,type,required,status\nevent,a,x,string,maybe,\nevent,a,y,string,,blocked\nthing,,,,,\n"))
		got := fieldsOf(t, err)
		for _, f := range []string{"lines[2].required", "lines[3].event", "lines[4].record"} {
			if got[f] == "" {
				t.Errorf("no error names %s: %v", f, got)
			}
		}
	})
	t.Run("SheetErrorsGiveTheLine", func(t *testing.T) {
		_, err := taxonomy.ParseCSV([]byte("record,event,property,type\nevent,a,x,string\nevent,a,y,float\n"))
		got := fieldsOf(t, err)
		if !strings.Contains(got["events[0].properties[1].type"], "line 3") {
			t.Errorf("errors = %v", got)
		}
	})
	t.Run("RefusesUnknownColumns", func(t *testing.T) {
		_, err := taxonomy.ParseCSV([]byte("record,colour\n"))
		if got := fieldsOf(t, err); got["lines[1].colour"] == "" {
			t.Errorf("errors = %v", got)
		}
	})
}

func normalized(t *taxonomy.Taxonomy) *taxonomy.Taxonomy {
	c := t.Clone()
	c.Normalize()
	return c
}

func TestDiff(t *testing.T) {
	prev := example(t)
	next := prev.Clone()
	// Reordering and spelling out defaults changes nothing.
	next.Events[0], next.Events[1] = next.Events[1], next.Events[0]
	if d := taxonomy.Diff(prev, next); len(d) != 0 {
		t.Fatalf("reordered sheet: diff = %v", d)
	}
	next.UnknownEvents = taxonomy.Reject
	next.Events = next.Events[1:] // cart_add, swapped to the front
	next.Events = append(next.Events, taxonomy.EventDef{Name: "refund", Properties: []taxonomy.PropertyDef{{Name: "total", Type: "number"}}})
	for i := range next.UserProperties {
		if next.UserProperties[i].Name == "plan" {
			next.UserProperties[i].Enum = append(next.UserProperties[i].Enum, "vip")
		}
	}
	var lines []string
	for _, c := range taxonomy.Diff(prev, next) {
		lines = append(lines, c.String())
	}
	want := []string{
		"- events.cart_add",
		"+ events.refund",
		"~ unknownEvents: quarantine → reject",
		"~ userProperties.plan.enum: free|pro|business → free|pro|business|vip",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("diff =\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
