package docs_test

import (
	"bytes"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// root is the repository root, seen from this package's folder.
const root = ".."

// markdown parses GitHub-flavoured Markdown (tables included), as GitHub renders the pages.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

// page is what the tests need of one Markdown file: the anchors of its headings and its links.
type page struct {
	anchors map[string]bool
	links   []string
}

// readPage parses one Markdown file into its heading anchors and link destinations.
func readPage(t *testing.T, file string) page {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	doc := markdown.Parser().Parse(text.NewReader(src))
	p := page{anchors: map[string]bool{}}
	seen := map[string]int{}
	err = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			slug := githubSlug(plainText(n, src))
			if k := seen[slug]; k > 0 {
				p.anchors[slug+"-"+strconv.Itoa(k)] = true
			} else {
				p.anchors[slug] = true
			}
			seen[slug]++
		case *ast.Link:
			p.links = append(p.links, string(n.Destination))
		case *ast.Image:
			p.links = append(p.links, string(n.Destination))
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", file, err)
	}
	return p
}

// plainText is a node's text as GitHub reads it for an anchor: the text of its inline children.
func plainText(n ast.Node, src []byte) string {
	var b bytes.Buffer
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
		case *ast.String:
			b.Write(c.Value)
		default:
			b.WriteString(plainText(c, src))
		}
	}
	return b.String()
}

// githubSlug turns a heading's text into the anchor GitHub gives it: lower case, letters, digits,
// hyphens and underscores kept, spaces turned into hyphens, everything else dropped.
func githubSlug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// markdownFiles lists every Markdown file of the repository, skipping hidden folders and testdata.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".md") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("list markdown files: %v", err)
	}
	return files
}

// TestRelativeLinksResolve fails on a relative link, in any Markdown file of the repository, to a
// file that does not exist or to an anchor that no heading of its target page has.
func TestRelativeLinksResolve(t *testing.T) {
	pages := map[string]page{}
	load := func(file string) page {
		if p, ok := pages[file]; ok {
			return p
		}
		pages[file] = readPage(t, file)
		return pages[file]
	}
	files := markdownFiles(t)
	if len(files) < 3 {
		t.Fatalf("found %d Markdown files under %s, expected the README, BENCHMARKS and docs/", len(files), root)
	}
	for _, file := range files {
		for _, link := range load(file).links {
			if problem := checkLink(file, link, load); problem != "" {
				rel, _ := filepath.Rel(root, file)
				t.Errorf("%s: link %q: %s", rel, link, problem)
			}
		}
	}
}

// checkLink says what is wrong with one link of file, or "" when it resolves (or is external).
func checkLink(file, link string, load func(string) page) string {
	u, err := url.Parse(link)
	if err != nil {
		return "does not parse: " + err.Error()
	}
	if u.Scheme != "" || u.Host != "" {
		return "" // external: not checked here
	}
	target := file
	if u.Path != "" {
		if strings.HasPrefix(u.Path, "/") {
			target = filepath.Join(root, filepath.FromSlash(u.Path))
		} else {
			target = filepath.Join(filepath.Dir(file), filepath.FromSlash(u.Path))
		}
		if _, err := os.Stat(target); err != nil {
			return "no such file or folder"
		}
	}
	if u.Fragment == "" {
		return ""
	}
	if !strings.HasSuffix(target, ".md") {
		return "an anchor into a file that is not Markdown"
	}
	if !load(target).anchors[u.Fragment] {
		return "no heading with anchor #" + u.Fragment + " in " + path.Base(filepath.ToSlash(target))
	}
	return ""
}
