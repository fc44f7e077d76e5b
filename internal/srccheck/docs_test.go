package srccheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocSnippetsCompile fails when a Go snippet of the README or of a
// page under docs/ is not compiled code: every ```go block must stand,
// line for line (indentation and blank lines aside), in a Go file of the
// module that go vet and go test build, such as an example_test.go or a
// file of examples/. A snippet then cannot drift from the API, miss an
// import or hold an unused variable without failing here or there.
func TestDocSnippetsCompile(t *testing.T) {
	const root = "../.."
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append([]string{filepath.Join(root, "README.md")}, docs...)
	sources := goSources(t, root)
	snippets := 0
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range goSnippets(string(text)) {
			snippets++
			if !foundIn(s.lines, sources) {
				t.Errorf("%s:%d: this Go snippet is not in any compiled Go file of the module; copy it from one (an example_test.go, examples/…) or add it to one:\n%s",
					filepath.Base(doc), s.line, strings.Join(s.lines, "\n"))
			}
		}
	}
	if snippets == 0 {
		t.Fatal("found no Go snippet in the README and docs/: is the fence still ```go?")
	}
}

type snippet struct {
	line  int      // of the opening fence, from 1
	lines []string // trimmed, without blank lines
}

// goSnippets returns the ```go blocks of a Markdown text.
func goSnippets(text string) []snippet {
	var out []snippet
	var cur *snippet
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```go":
			cur = &snippet{line: i + 1}
		case cur != nil && trimmed == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil && trimmed != "":
			cur.lines = append(cur.lines, trimmed)
		}
	}
	return out
}

// goSources returns the trimmed, non-blank lines of every Go file of the
// module (the benchmarks module included), by file.
func goSources(t *testing.T, root string) [][]string {
	t.Helper()
	var files [][]string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var lines []string
		for _, line := range strings.Split(string(src), "\n") {
			if trimmed := strings.TrimSpace(line); trimmed != "" {
				lines = append(lines, trimmed)
			}
		}
		files = append(files, lines)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// foundIn reports whether want stands as a run of consecutive lines in
// one of files.
func foundIn(want []string, files [][]string) bool {
	if len(want) == 0 {
		return true
	}
	for _, lines := range files {
	next:
		for i := 0; i+len(want) <= len(lines); i++ {
			for j, w := range want {
				if lines[i+j] != w {
					continue next
				}
			}
			return true
		}
	}
	return false
}
