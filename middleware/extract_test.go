package middleware_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// checkExtract compares an extractor's result with the wanted token and
// error (matched with errors.Is; nil means no error).
func checkExtract(t *testing.T, gotTok string, gotErr error, wantTok string, wantErr error) {
	t.Helper()
	if wantErr == nil && gotErr != nil {
		t.Fatalf("got error %v, want none", gotErr)
	}
	if wantErr != nil && !errors.Is(gotErr, wantErr) {
		t.Fatalf("got error %v, want %v", gotErr, wantErr)
	}
	if gotTok != wantTok {
		t.Fatalf("got token %q, want %q", gotTok, wantTok)
	}
}

func TestFromAuthorizationHeader(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxMjN9.c2lnbmF0dXJl"
	tests := []struct {
		name    string
		headers []string // Authorization values; nil means no header
		want    string
		wantErr error
	}{
		{name: "no header", headers: nil, want: ""},
		{name: "basic scheme is no token", headers: []string{"Basic dXNlcjpwYXNz"}, want: ""},
		{name: "bearer", headers: []string{"Bearer abc"}, want: "abc"},
		{name: "lower case scheme", headers: []string{"bearer abc"}, want: "abc"},
		{name: "upper case scheme", headers: []string{"BEARER abc"}, want: "abc"},
		{name: "mixed case scheme", headers: []string{"bEaReR abc"}, want: "abc"},
		{name: "several spaces", headers: []string{"Bearer   abc"}, want: "abc"},
		{name: "compact JWT", headers: []string{"Bearer " + jwt}, want: jwt},
		{name: "all b64token characters", headers: []string{"Bearer AZaz09-._~+/"}, want: "AZaz09-._~+/"},
		{name: "trailing padding", headers: []string{"Bearer abc=="}, want: "abc=="},
		{name: "tab separator", headers: []string{"Bearer\tabc"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "space then tab", headers: []string{"Bearer \tabc"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "two tokens", headers: []string{"Bearer abc def"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "trailing space", headers: []string{"Bearer abc "}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "scheme alone", headers: []string{"Bearer"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "scheme and space", headers: []string{"Bearer "}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "scheme and spaces", headers: []string{"Bearer    "}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "another scheme with bearer prefix", headers: []string{"Bearerabc"}, want: ""},
		{name: "another scheme with bearer prefix and credentials", headers: []string{"Bearer-Ext abc"}, want: ""},
		{name: "padding only", headers: []string{"Bearer =="}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "padding inside token", headers: []string{"Bearer ab=c"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "comma in token", headers: []string{"Bearer ab,c"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "quoted token", headers: []string{`Bearer "abc"`}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "non UTF-8 bytes", headers: []string{"Bearer ab\xff\xfe"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "non ASCII letter", headers: []string{"Bearer abç"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "NUL byte", headers: []string{"Bearer ab\x00c"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "two headers", headers: []string{"Bearer abc", "Bearer def"}, wantErr: middleware.ErrMultipleAuthorization},
		{name: "two headers one basic", headers: []string{"Basic dXNlcjpwYXNz", "Bearer abc"}, wantErr: middleware.ErrMultipleAuthorization},
		{name: "two identical headers", headers: []string{"Bearer abc", "Bearer abc"}, wantErr: middleware.ErrMultipleAuthorization},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.headers {
				r.Header.Add("Authorization", v)
			}
			got, err := middleware.FromAuthorizationHeader(r)
			checkExtract(t, got, err, tt.want, tt.wantErr)
		})
	}
}

// extractVia sends r through Authenticate configured by opts, with a
// verifier that accepts any token, and returns the token the verifier got
// ("" for none) and the failure, if any.
func extractVia(t *testing.T, opts middleware.Options, r *http.Request) (string, *middleware.Error) {
	t.Helper()
	var got string
	var failure *middleware.Error
	verify := verifierFunc(func(_ context.Context, tok string) (*session.Claims, error) {
		got = tok
		return &session.Claims{UserID: "1"}, nil
	})
	opts.ErrorHandler = func(w http.ResponseWriter, r *http.Request, e *middleware.Error) {
		failure = e
		middleware.WriteError(w, r, e)
	}
	serve(fakeAuth(t, verify, opts).Authenticate(noop), r)
	return got, failure
}

// checkVia checks the outcome of extractVia: the wanted token, or no
// token and the missing-token failure (want "" and wantErr nil), or a
// malformed request whose cause matches wantErr.
func checkVia(t *testing.T, got string, failure *middleware.Error, want string, wantErr error) {
	t.Helper()
	switch {
	case wantErr != nil:
		if failure == nil || failure.Reason != middleware.ReasonMalformed || failure.Status != http.StatusBadRequest {
			t.Fatalf("got token %q and failure %v, want a malformed request", got, failure)
		}
		checkExtract(t, got, failure.Err, "", wantErr)
	case want == "":
		if got != "" || failure == nil || failure.Reason != middleware.ReasonMissing || failure.Err != nil {
			t.Fatalf("got token %q verified and failure %v, want no token and the missing-token failure", got, failure)
		}
	default:
		if failure != nil {
			t.Fatalf("got failure %v, want token %q", failure, want)
		}
		checkExtract(t, got, nil, want, nil)
	}
}

// TestCookieExtraction checks how [middleware.Options.Cookie] is read: by
// exact name, and a request with two such cookies is malformed.
func TestCookieExtraction(t *testing.T) {
	tests := []struct {
		name    string
		cookies []string // Cookie header values
		want    string   // the token the verifier gets; "" for none
		wantErr error
	}{
		{name: "no cookie", want: ""},
		{name: "other cookie only", cookies: []string{"theme=dark"}, want: ""},
		{name: "one cookie", cookies: []string{"session=abc.def.ghi"}, want: "abc.def.ghi"},
		{name: "among others", cookies: []string{"theme=dark; session=abc; lang=en"}, want: "abc"},
		{name: "name is case-sensitive", cookies: []string{"Session=abc"}, want: ""},
		{name: "empty value", cookies: []string{"session="}, want: ""},
		{name: "twice in one header", cookies: []string{"session=abc; session=def"}, wantErr: middleware.ErrMultipleTokens},
		{name: "twice in two headers", cookies: []string{"session=abc", "session=def"}, wantErr: middleware.ErrMultipleTokens},
	}
	opts := middleware.Options{Cookie: mustCookie(t, "session", middleware.CookieOptions{})}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.cookies {
				r.Header.Add("Cookie", v)
			}
			got, failure := extractVia(t, opts, r)
			checkVia(t, got, failure, tt.want, tt.wantErr)
		})
	}
}

// TestQueryParameter checks how [middleware.Options.QueryParameter] is
// read: by exact name, decoded, and a repeated parameter is malformed.
func TestQueryParameter(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		want    string
		wantErr error
	}{
		{name: "no query", target: "/", want: ""},
		{name: "other parameter", target: "/?token=abc", want: ""},
		{name: "one parameter", target: "/?access_token=abc", want: "abc"},
		{name: "among others", target: "/?a=1&access_token=abc&b=2", want: "abc"},
		{name: "escaped value", target: "/?access_token=a%2Bb", want: "a+b"},
		{name: "name is case-sensitive", target: "/?Access_Token=abc", want: ""},
		{name: "empty value", target: "/?access_token=", want: ""},
		{name: "repeated parameter", target: "/?access_token=abc&access_token=def", wantErr: middleware.ErrMultipleTokens},
		{name: "repeated identical parameter", target: "/?access_token=abc&access_token=abc", wantErr: middleware.ErrMultipleTokens},
	}
	opts := middleware.Options{QueryParameter: "access_token"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, failure := extractVia(t, opts, httptest.NewRequest(http.MethodGet, tt.target, nil))
			checkVia(t, got, failure, tt.want, tt.wantErr)
		})
	}
}

// TestHeaderAndQuery: with a query parameter configured, a request
// carries at most one token (RFC 6750 §2), and the header's own faults
// are reported first.
func TestHeaderAndQuery(t *testing.T) {
	tests := []struct {
		name    string
		target  string
		auth    []string
		want    string
		wantErr error
	}{
		{name: "nothing", target: "/", want: ""},
		{name: "header only", target: "/", auth: []string{"Bearer abc"}, want: "abc"},
		{name: "query only", target: "/?access_token=ghi", want: "ghi"},
		{name: "another parameter is not read", target: "/?token=def", want: ""},
		{name: "basic header and query", target: "/?access_token=def", auth: []string{"Basic dXNlcjpwYXNz"}, want: "def"},
		{name: "header and query", target: "/?access_token=def", auth: []string{"Bearer abc"}, wantErr: middleware.ErrMultipleTokens},
		{name: "same token twice", target: "/?access_token=abc", auth: []string{"Bearer abc"}, wantErr: middleware.ErrMultipleTokens},
		{name: "malformed header propagated", target: "/", auth: []string{"Bearer a b"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "malformed header with a query token", target: "/?access_token=def", auth: []string{"Bearer a b"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "two headers propagated", target: "/", auth: []string{"Bearer abc", "Bearer abc"}, wantErr: middleware.ErrMultipleAuthorization},
		{name: "repeated query propagated", target: "/?access_token=a&access_token=b", wantErr: middleware.ErrMultipleTokens},
	}
	opts := middleware.Options{QueryParameter: "access_token"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			for _, v := range tt.auth {
				r.Header.Add("Authorization", v)
			}
			got, failure := extractVia(t, opts, r)
			checkVia(t, got, failure, tt.want, tt.wantErr)
		})
	}
}

// TestNoExportedCookieExtractor: the only way to read a cookie is
// Options.Cookie, which protects cookie-authenticated requests against
// cross-site request forgery and renews in the cookie. An exported
// extractor reading a cookie would do neither, and its renewed token
// would go into a header that scripts can read.
func TestNoExportedCookieExtractor(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("got no Go files (%v), want the package's", err)
	}
	reads := map[string]bool{"Cookie": true, "Cookies": true, "CookiesNamed": true}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !fn.Name.IsExported() || fn.Body == nil || !extractorShaped(fn.Type) {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && reads[sel.Sel.Name] {
					t.Errorf("%s: exported extractor %s reads a cookie (%s); read cookies only with Options.Cookie", fset.Position(sel.Pos()), fn.Name.Name, sel.Sel.Name)
				}
				return true
			})
		}
	}
}

// extractorShaped reports whether a function returns an Extractor or is
// one: func(*http.Request) (string, error).
func extractorShaped(ft *ast.FuncType) bool {
	res := ft.Results
	if res == nil {
		return false
	}
	if len(res.List) == 1 {
		if id, ok := res.List[0].Type.(*ast.Ident); ok && id.Name == "Extractor" {
			return true
		}
	}
	return len(res.List) == 2 && ft.Params != nil && len(ft.Params.List) == 1 &&
		types.ExprString(ft.Params.List[0].Type) == "*http.Request" &&
		types.ExprString(res.List[0].Type) == "string" && types.ExprString(res.List[1].Type) == "error"
}
