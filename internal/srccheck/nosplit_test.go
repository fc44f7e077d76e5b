package srccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// libraryDirs are the packages that handle untrusted input, relative to
// this one.
var libraryDirs = []string{"../../session", "../../session/jwks", "../../session/redisstore", "../../middleware", "../strictjson"}

// TestNoSplitOnUntrustedInput fails if the library's code splits strings
// with the functions that allocate a slice per separator found
// (strings.Split and kin): on a hostile token they cost memory in
// proportion to the attacker's separators. Tokens and headers are scanned
// with strings.Cut or IndexByte instead.
func TestNoSplitOnUntrustedInput(t *testing.T) {
	banned := map[string]bool{"Split": true, "SplitN": true, "SplitAfter": true, "SplitAfterN": true, "Fields": true, "FieldsFunc": true}
	for _, dir := range libraryDirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s (%v)", dir, err)
		}
		fset := token.NewFileSet()
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("read %s: %v", name, err)
			}
			file, err := parser.ParseFile(fset, name, src, 0)
			if err != nil {
				t.Fatalf("parse %s: %v", name, err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); ok && (pkg.Name == "strings" || pkg.Name == "bytes") && banned[sel.Sel.Name] {
					t.Errorf("%s: %s.%s on what may be untrusted input; scan with strings.Cut or IndexByte instead", fset.Position(sel.Pos()), pkg.Name, sel.Sel.Name)
				}
				return true
			})
		}
	}
}
