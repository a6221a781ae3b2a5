package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tabiji/tabiji/csvcell"
	"github.com/tabiji/tabiji/journey"
)

// ProfilesImportCmd is `tabiji profiles import customers.csv`.
type ProfilesImportCmd struct {
	APIClientFlags
	File        string   `arg:"" type:"existingfile" help:"The customers: a .csv file with a header line, or .jsonl (one JSON object a line)."`
	Format      string   `name:"format" default:"auto" enum:"auto,csv,jsonl" help:"csv or jsonl; auto goes by the file's extension."`
	Map         []string `name:"map" help:"trait=Column pairs, separated by commas or repeated: the column (a key, for JSONL) each trait comes from, and id=Column for the customer's id. Without it every column is a trait of its own name and the id column is the id."`
	MappingFile string   `name:"mapping-file" type:"existingfile" help:"The mapping as a YAML or JSON object of trait: Column (merged with --map)."`
	BatchSize   int      `name:"batch-size" default:"500" help:"Rows per API call (1 to 1000)."`
	Rejects     string   `name:"rejects" help:"Where the refused rows go, as CSV (line, field, reason); FILE.rejects.csv when empty."`
	Restart     bool     `name:"restart" help:"Ignore the checkpoint of an earlier run and import the whole file again."`
	NoProgress  bool     `name:"no-progress" help:"No progress bar or lines."`
}

// importCheckpoint is what an import has committed, kept beside the file
// (FILE.tabiji-import.json) after every batch: a re-run resumes after Line.
type importCheckpoint struct {
	SHA256      string    `json:"sha256"`  // of the file
	Options     string    `json:"options"` // of the format and mapping
	AsOf        time.Time `json:"as_of"`   // the traits' time, the same for every batch
	Line        int       `json:"line"`    // the last line committed
	Imported    int       `json:"imported"`
	Changed     int       `json:"changed"`
	Rejected    int       `json:"rejected"`
	RejectsSize int64     `json:"rejects_size"` // the rejects file's length at Line
	Done        bool      `json:"done"`
}

// importAnswer is POST /v1/profiles/import's answer.
type importAnswer struct {
	Imported int `json:"imported"`
	Changed  int `json:"changed"`
	Rejected []struct {
		Line    int    `json:"line"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"rejected"`
}

// Run imports the file in batches, resuming after an interruption.
func (c *ProfilesImportCmd) Run(rc *runContext) error {
	if c.BatchSize < 1 || c.BatchSize > 1000 {
		return fmt.Errorf("--batch-size %d: must be 1 to 1000", c.BatchSize)
	}
	m, format, err := c.mappingAndFormat()
	if err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	sum, size, err := fileSHA256(c.File)
	if err != nil {
		return err
	}
	f, err := os.Open(c.File)
	if err != nil {
		return fmt.Errorf("open %s: %w", c.File, err)
	}
	defer f.Close() //nolint:errcheck // opened for reading: every read reports its own error
	counted := &countingReader{r: f}
	rows, err := openRows(counted, format, m) // reads the header: a bad mapping fails here
	if err != nil {
		return fmt.Errorf("%s: %w", c.File, err)
	}
	cpPath, rejectsPath := c.File+".tabiji-import.json", cmpOr(c.Rejects, c.File+".rejects.csv")
	cp, err := c.startCheckpoint(rc, cpPath, sum, optionsHash(format, m))
	if err != nil || cp.Done {
		return err
	}
	rejects, err := openRejects(rejectsPath, cp)
	if err != nil {
		return err
	}
	defer rejects.close()
	bar := newProgress(rc.ctx, rc.stderr, "import "+filepath.Base(c.File), size, "bytes", c.NoProgress)
	imp := &importer{api: api, cp: cp, cpPath: cpPath, rejects: rejects, batch: c.BatchSize, text: format == "csv"}
	err = imp.run(rc.ctx, rows, func() { bar.set(counted.n) })
	bar.done()
	if err != nil {
		return fmt.Errorf("import stopped after line %d of %s: %w\nRun the same command again to resume after line %d (checkpoint %s)",
			imp.cp.Line, c.File, err, imp.cp.Line, cpPath)
	}
	fmt.Fprintf(rc.stdout, "Imported %d customers from %s (%d changed, %d unchanged); %d rows refused",
		cp.Imported, c.File, cp.Changed, cp.Imported-cp.Changed, cp.Rejected)
	if cp.Rejected > 0 {
		fmt.Fprintf(rc.stdout, ": see %s", rejectsPath)
	}
	fmt.Fprintln(rc.stdout, ".")
	return nil
}

func (c *ProfilesImportCmd) mappingAndFormat() (mapping, string, error) {
	m := mapping{}
	if c.MappingFile != "" {
		raw, err := os.ReadFile(c.MappingFile)
		if err != nil {
			return nil, "", fmt.Errorf("read the mapping: %w", err)
		}
		j, err := journey.ToJSON(raw)
		if err == nil {
			err = json.Unmarshal(j, &m)
		}
		if err != nil {
			return nil, "", fmt.Errorf("%s: must be an object of trait: Column (%w)", c.MappingFile, err)
		}
	}
	if err := parseMapping(c.Map, m); err != nil {
		return nil, "", err
	}
	format := c.Format
	if format == "auto" {
		switch strings.ToLower(filepath.Ext(c.File)) {
		case ".csv":
			format = "csv"
		case ".jsonl", ".ndjson":
			format = "jsonl"
		default:
			return nil, "", fmt.Errorf("%s: cannot tell CSV from JSONL by its extension: pass --format csv or --format jsonl", c.File)
		}
	}
	return m, format, nil
}

// startCheckpoint reads the checkpoint of an earlier run, or starts one.
func (c *ProfilesImportCmd) startCheckpoint(rc *runContext, path, sum, options string) (*importCheckpoint, error) {
	fresh := &importCheckpoint{SHA256: sum, Options: options, AsOf: time.Now().UTC().Truncate(time.Microsecond)}
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fresh, nil
	case err != nil:
		return nil, fmt.Errorf("read the checkpoint: %w", err)
	}
	var cp importCheckpoint
	jsonErr := json.Unmarshal(raw, &cp)
	if c.Restart {
		if jsonErr == nil && cp.SHA256 == sum && cp.Options == options {
			fresh.AsOf = cp.AsOf // the same file at the same time: a repeat changes nothing
		}
		return fresh, nil
	}
	if jsonErr != nil {
		return nil, fmt.Errorf("checkpoint %s is damaged (%w): pass --restart to import from the start", path, jsonErr)
	}
	if cp.SHA256 != sum || cp.Options != options {
		return nil, fmt.Errorf("%s changed since the import that left checkpoint %s (or the format or mapping did): pass --restart to import it from the start", c.File, path)
	}
	if cp.Done {
		fmt.Fprintf(rc.stdout, "%s was imported already (%d customers, %d rows refused): pass --restart to import it again.\n", c.File, cp.Imported, cp.Rejected)
	} else {
		fmt.Fprintf(rc.stderr, "Resuming the import of %s after line %d.\n", c.File, cp.Line)
	}
	return &cp, nil
}

// importer sends rows in batches and commits the checkpoint after each.
type importer struct {
	api     *apiClient
	cp      *importCheckpoint
	cpPath  string
	rejects *rejectsFile
	batch   int
	text    bool // CSV cells: the API types them by the taxonomy
}

func (im *importer) run(ctx context.Context, rows rowReader, moved func()) error {
	var pending []importRow
	last := 0
	for {
		row, err := rows.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if row.Line <= im.cp.Line {
			continue // committed by the run this one resumes
		}
		pending, last = append(pending, row), row.Line
		if len(pending) == im.batch {
			if err := im.commit(ctx, pending, last); err != nil {
				return err
			}
			pending = pending[:0]
			moved()
		}
	}
	if err := im.commit(ctx, pending, last); err != nil {
		return err
	}
	moved()
	im.cp.Done = true
	return writeCheckpoint(im.cpPath, im.cp)
}

// commit sends the rows the file did not spoil, writes every reject in
// line order, then the checkpoint.
func (im *importer) commit(ctx context.Context, rows []importRow, last int) error {
	if len(rows) == 0 {
		return nil
	}
	var send []importRow
	var refused [][3]string
	for _, r := range rows {
		if r.reject != "" {
			refused = append(refused, [3]string{strconv.Itoa(r.Line), "line", r.reject})
		} else {
			send = append(send, r)
		}
	}
	if len(send) > 0 {
		ans, err := im.send(ctx, send)
		if err != nil {
			return err
		}
		im.cp.Imported += ans.Imported
		im.cp.Changed += ans.Changed
		for _, r := range ans.Rejected {
			refused = append(refused, [3]string{strconv.Itoa(r.Line), r.Field, r.Message})
		}
	}
	slices.SortStableFunc(refused, func(a, b [3]string) int { x, _ := strconv.Atoi(a[0]); y, _ := strconv.Atoi(b[0]); return x - y })
	n, err := im.rejects.write(refused)
	if err != nil {
		return err
	}
	im.cp.Rejected += n
	im.cp.Line, im.cp.RejectsSize = last, im.rejects.size
	return writeCheckpoint(im.cpPath, im.cp)
}

// send posts one batch, retrying what a retry can fix (the API or the
// network down a moment): the same rows at the same time change nothing twice.
func (im *importer) send(ctx context.Context, rows []importRow) (importAnswer, error) {
	body := map[string]any{"as_of": im.cp.AsOf, "text": im.text, "rows": rows}
	var ans importAnswer
	var err error
	for attempt, wait := 0, 500*time.Millisecond; attempt < 3; attempt, wait = attempt+1, wait*2 {
		var raw json.RawMessage
		raw, err = im.api.call(ctx, http.MethodPost, "/v1/profiles/import", body)
		if err == nil {
			return ans, decodeAnswer(raw, &ans)
		}
		var apiErr *apiError
		if (errors.As(err, &apiErr) && apiErr.Status < 500) || attempt == 2 {
			return ans, err
		}
		select {
		case <-ctx.Done():
			return ans, ctx.Err()
		case <-time.After(wait):
		}
	}
	return ans, err
}

func writeCheckpoint(path string, cp *importCheckpoint) error {
	raw, _ := json.MarshalIndent(cp, "", "  ") // plain fields always encode
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("write the checkpoint: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write the checkpoint: %w", err)
	}
	return nil
}

// rejectsFile is the CSV of refused rows: line, field, reason.
type rejectsFile struct {
	f    *os.File
	size int64
}

// openRejects creates the file, or, resuming, cuts it back to what the
// checkpoint committed (a batch cut short may have written more).
func openRejects(path string, cp *importCheckpoint) (*rejectsFile, error) {
	if cp.Line == 0 {
		f, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("create the rejects file: %w", err)
		}
		r := &rejectsFile{f: f}
		_, err = r.write([][3]string{{"line", "field", "reason"}})
		return r, err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open the rejects file to resume: %w (pass --restart to import from the start)", err)
	}
	if err := f.Truncate(cp.RejectsSize); err != nil {
		return nil, fmt.Errorf("resume the rejects file: %w", err)
	}
	if _, err := f.Seek(cp.RejectsSize, io.SeekStart); err != nil {
		return nil, fmt.Errorf("resume the rejects file: %w", err)
	}
	return &rejectsFile{f: f, size: cp.RejectsSize}, nil
}

func (r *rejectsFile) write(recs [][3]string) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	var b strings.Builder
	w := csvcell.NewWriter(&b) // reasons quote the file's values: no formulas
	for _, rec := range recs {
		_ = w.Write(rec[:]) // a strings.Builder does not fail
	}
	w.Flush()
	n, err := r.f.WriteString(b.String())
	r.size += int64(n)
	if err == nil {
		err = r.f.Sync()
	}
	if err != nil {
		return 0, fmt.Errorf("write the rejects file: %w", err)
	}
	return len(recs), nil
}

func (r *rejectsFile) close() { _ = r.f.Close() }

func openRows(in io.Reader, format string, m mapping) (rowReader, error) {
	if format == "jsonl" {
		return newJSONLRows(in, m), nil
	}
	return newCSVRows(in, m)
}

func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close() //nolint:errcheck // opened for reading: io.Copy reports any error
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func optionsHash(format string, m mapping) string {
	raw, _ := json.Marshal([]any{format, m}) // maps encode with sorted keys
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:8])
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
