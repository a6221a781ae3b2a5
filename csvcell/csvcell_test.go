package csvcell

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"https://evil.example\",\"x\")": "'=HYPERLINK(\"https://evil.example\",\"x\")",
		"+cmd|' /C calc'!A0":                         "'+cmd|' /C calc'!A0",
		"-2+3+cmd|' /C calc'!A0":                     "'-2+3+cmd|' /C calc'!A0",
		"@SUM(1+1)*cmd|' /C calc'!A0":                "'@SUM(1+1)*cmd|' /C calc'!A0",
		"\t=1+1":                                     "'\t=1+1",
		"\r=1+1":                                     "'\r=1+1",
		"+81 90-1234-5678":                           "'+81 90-1234-5678",
		"'=1+1":                                      "''=1+1", // an apostrophe already there is kept, so that Restore gives it back
		"-12.5":                                      "-12.5",  // a number stays a number
		"+3":                                         "+3",
		"plain":                                      "plain",
		"a=b":                                        "a=b",
		"'quoted":                                    "'quoted",
		"":                                           "",
	} {
		if got := Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
		if back := Restore(Neutralise(in)); back != in {
			t.Errorf("Restore(Neutralise(%q)) = %q", in, back)
		}
	}
}

func TestWriterNeutralisesEveryCell(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	if err := w.WriteAll([][]string{{"id", "name"}, {"=1+1", "@x"}, {"u2", "-1"}}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[1][0] != "'=1+1" || rows[1][1] != "'@x" || rows[2][0] != "u2" || rows[2][1] != "-1" {
		t.Errorf("rows = %q", rows)
	}
}
