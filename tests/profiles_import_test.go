package tests

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tabiji/tabiji/cli"
)

// TestProfilesImportAndExport runs tabiji profiles import and export
// against the real API: a CSV with bad rows (the rejects name their lines),
// a repeat that changes nothing, a JSONL file, an import cut off mid-file
// that resumes where it stopped, and the export of a segment.
func TestProfilesImportAndExport(t *testing.T) {
	s := startStack(t)
	for name, typ := range map[string]string{"age": "integer", "vip": "boolean"} {
		s.call("PUT", "/v1/taxonomy/user-properties/"+name, "admin", map[string]any{"type": typ}, http.StatusCreated, nil)
	}
	s.call("PUT", "/v1/taxonomy/user-properties/email", "admin", map[string]any{"type": "string", "format": "email"}, http.StatusCreated, nil)
	dir := t.TempDir()

	t.Run("ACSVWithBadRowsNamesTheirLines", func(t *testing.T) {
		csvPath := filepath.Join(dir, "customers.csv")
		writeTo(t, csvPath, "Customer ID,E-mail,Age,VIP,Notes\n"+
			"c1,c1@example.jp,31,yes,first\n"+ // line 2
			"c2,not-an-email,40,no,bad email\n"+ // 3
			",nobody@example.jp,22,no,no id\n"+ // 4
			"c3,c3@example.jp,old,no,bad age\n"+ // 5
			"c4,c4@example.jp,55,\"true\",quoted\n"+ // 6
			"c5,c5@example.jp,60\n"+ // 7: a field short
			"c6,c6@example.jp,61,no,\"two\nlines\"\n"+ // 8 and 9
			"c7,c7@example.jp,,yes,no age\n") // 10
		out, err := s.tabiji("profiles", "import", csvPath, "--map", "id=Customer ID,email=E-mail,age=Age,vip=VIP", "--batch-size", "3")
		if err != nil || !strings.Contains(out, "Imported 4 customers") || !strings.Contains(out, "4 rows refused") {
			t.Fatalf("import = %v\n%s", err, out)
		}
		rejects := readCSV(t, csvPath+".rejects.csv")
		want := [][2]string{{"line", "field"}, {"3", "traits.email"}, {"4", "id"}, {"5", "traits.age"}, {"7", "line"}}
		if len(rejects) != len(want) {
			t.Fatalf("rejects = %v, want lines 3, 4, 5 and 7", rejects)
		}
		for i, w := range want {
			if rejects[i][0] != w[0] || rejects[i][1] != w[1] || rejects[i][2] == "" {
				t.Errorf("reject %d = %v, want %v with a reason", i, rejects[i], w)
			}
		}
		var p profileBody
		s.call("GET", "/v1/profiles/c1", "admin", nil, http.StatusOK, &p)
		if p.Traits["age"] != 31.0 || p.Traits["vip"] != true || p.Traits["email"] != "c1@example.jp" || p.Traits["Notes"] != nil {
			t.Errorf("c1 = %v, want age 31, vip true, email, and no Notes (unmapped)", p.Traits)
		}
		var c7 profileBody
		s.call("GET", "/v1/profiles/c7", "admin", nil, http.StatusOK, &c7)
		if _, ok := c7.Traits["age"]; ok || c7.Traits["vip"] != true {
			t.Errorf("c7 = %v: want vip, and no age (its cell was empty)", c7.Traits)
		}
		s.call("GET", "/v1/profiles/c3", "admin", nil, http.StatusNotFound, nil)

		out, err = s.tabiji("profiles", "import", csvPath, "--map", "id=Customer ID,email=E-mail,age=Age,vip=VIP")
		if err != nil || !strings.Contains(out, "was imported already") {
			t.Errorf("a second run = %v\n%s", err, out)
		}
		out, err = s.tabiji("profiles", "import", csvPath, "--map", "id=Customer ID,email=E-mail,age=Age,vip=VIP", "--restart")
		if err != nil || !strings.Contains(out, "Imported 4 customers") || !strings.Contains(out, "(0 changed, 4 unchanged)") {
			t.Errorf("a repeat with --restart = %v\n%s, want nothing changed", err, out)
		}
		out, err = s.tabiji("profiles", "import", csvPath, "--map", "id=Kunde")
		if err == nil || !strings.Contains(err.Error(), `no column "Kunde"`) {
			t.Errorf("a mapping to a missing column = %v %s", err, out)
		}
	})

	t.Run("AJSONLFile", func(t *testing.T) {
		path := filepath.Join(dir, "more.jsonl")
		writeTo(t, path, `{"id":"j1","traits":{"age":20,"plan":"pro"}}`+"\n"+
			`{"userId":"j2","age":"twenty"}`+"\n"+ // 2: JSON keeps its types: a string age is refused
			"\n"+
			`{"id":"j3",`+"\n"+ // 4: not JSON
			`{"id":"j4","vip":false}`+"\n")
		out, err := s.tabiji("profiles", "import", path)
		if err != nil || !strings.Contains(out, "Imported 2 customers") {
			t.Fatalf("import = %v\n%s", err, out)
		}
		rejects := readCSV(t, path+".rejects.csv")
		if len(rejects) != 3 || rejects[1][0] != "2" || rejects[1][1] != "traits.age" || rejects[2][0] != "4" || rejects[2][1] != "line" {
			t.Errorf("rejects = %v, want line 2 (traits.age) and 4 (line)", rejects)
		}
		var p profileBody
		s.call("GET", "/v1/profiles/j1", "admin", nil, http.StatusOK, &p)
		if p.Traits["plan"] != "pro" || p.Traits["age"] != 20.0 {
			t.Errorf("j1 = %v", p.Traits)
		}
	})

	t.Run("AnInterruptedImportResumesWhereItStopped", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("id,age\n")
		for i := 1; i <= 50; i++ {
			age := fmt.Sprint(20 + i)
			if i == 5 || i == 40 {
				age = "n/a"
			}
			fmt.Fprintf(&b, "r%02d,%s\n", i, age)
		}
		path := filepath.Join(dir, "big.csv")
		writeTo(t, path, b.String())
		// In front of the API: after two batches, every import call is
		// forwarded (so the API commits it) but answered 502, as if the
		// connection broke after the commit.
		var batches, rows, broken atomic.Int64
		broken.Store(1)
		target, _ := url.Parse(s.url)
		proxy := httputil.NewSingleHostReverseProxy(target)
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var req struct{ Rows []any }
			_ = json.Unmarshal(body, &req)
			n := batches.Add(1)
			rows.Add(int64(len(req.Rows)))
			if broken.Load() == 1 && n > 2 {
				proxy.ServeHTTP(httptest.NewRecorder(), r)
				http.Error(w, "bad gateway", http.StatusBadGateway)
				return
			}
			proxy.ServeHTTP(w, r)
		}))
		defer front.Close()
		run := func(args ...string) (string, error) {
			var out, errOut bytes.Buffer
			err := runCLI(append(args, "--api-url", front.URL, "--admin-key", s.admin), &out, &errOut)
			return out.String() + errOut.String(), err
		}
		out, err := run("profiles", "import", path, "--batch-size", "10")
		if err == nil || !strings.Contains(err.Error(), "stopped after line 21") || !strings.Contains(err.Error(), "resume") {
			t.Fatalf("the cut-off import = %v\n%s", err, out)
		}
		var p profileBody
		s.call("GET", "/v1/profiles/r20", "admin", nil, http.StatusOK, &p)
		broken.Store(0)
		batches.Store(0)
		rows.Store(0)
		out, err = run("profiles", "import", path, "--batch-size", "10")
		if err != nil || !strings.Contains(out, "Resuming the import") {
			t.Fatalf("the resumed import = %v\n%s", err, out)
		}
		if rows.Load() != 30 || batches.Load() != 3 {
			t.Errorf("the resumed import sent %d rows in %d calls, want lines 22 to 51: 30 in 3", rows.Load(), batches.Load())
		}
		for _, id := range []string{"r01", "r21", "r30", "r50"} {
			s.call("GET", "/v1/profiles/"+id, "admin", nil, http.StatusOK, &p)
		}
		rejects := readCSV(t, path+".rejects.csv")
		if len(rejects) != 3 || rejects[1][0] != "6" || rejects[2][0] != "41" {
			t.Errorf("rejects = %v, want lines 6 and 41, once each", rejects)
		}
		if !strings.Contains(out, "Imported 48 customers") {
			t.Errorf("summary = %s, want the whole file's 48", out)
		}
	})

	t.Run("ExportsASegment", func(t *testing.T) {
		s.call("POST", "/v1/segments", "admin", map[string]any{"id": "over_50", "name": "Over 50",
			"definition": map[string]any{"condition": map[string]any{"trait": map[string]any{"name": "age", "op": "gt", "value": 50}}}}, http.StatusCreated, nil)
		csvOut := filepath.Join(dir, "over_50.csv")
		if out, err := s.tabiji("profiles", "export", "--segment", "over_50", "--format", "csv", "--fields", "age,vip", "--out", csvOut); err != nil {
			t.Fatalf("export = %v\n%s", err, out)
		}
		got, _ := os.ReadFile(csvOut)
		want := "id,age,vip\nc4,55,true\nc6,61,false\nr31,51,\nr32,52,\n"
		if !strings.HasPrefix(string(got), want) || strings.Count(string(got), "\n") != 1+2+20-1 {
			t.Errorf("CSV export =\n%s\nwant it to start\n%s\nand hold c4, c6 and r31–r50 but r40", got, want)
		}
		out, err := s.tabiji("profiles", "export", "--segment", "over_50")
		if err != nil {
			t.Fatal(err)
		}
		var first struct {
			ID     string
			Traits map[string]any
		}
		if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &first); err != nil || first.ID != "c4" || first.Traits["email"] != "c4@example.jp" {
			t.Errorf("JSONL export starts %q (%v)", strings.SplitN(out, "\n", 2)[0], err)
		}
		if out, err := s.tabiji("profiles", "export", "--segment", "nope"); err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("export of an unknown segment = %v %s", err, out)
		}
	})
}

func writeTo(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

func runCLI(args []string, stdout, stderr io.Writer) error {
	return cli.Run(context.Background(), args, stdout, stderr)
}
