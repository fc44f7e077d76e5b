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

// TestCookieExtraction checks how [middleware.WithCookie] reads its
// cookie: by exact name, and a request with two such cookies is malformed.
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
		{name: "twice in one header", cookies: []string{"session=abc; session=def"}, wantErr: middleware.ErrMultipleTokens},
		{name: "twice in two headers", cookies: []string{"session=abc", "session=def"}, wantErr: middleware.ErrMultipleTokens},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			var gotErr error
			verify := verifierFunc(func(_ context.Context, tok string) (*session.Claims, error) {
				got = tok
				return &session.Claims{UserID: "1"}, nil
			})
			auth := mustAuthenticate(t, verify,
				middleware.WithCookie(mustCookie(t, "session")),
				middleware.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, e *middleware.Error) {
					gotErr = e
					middleware.WriteError(w, r, e)
				}))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.cookies {
				r.Header.Add("Cookie", v)
			}
			serve(auth(noop), r)
			if tt.want == "" && tt.wantErr == nil {
				// No token: the failure is "missing", with no cause.
				if got != "" || gotErr == nil || errors.Unwrap(gotErr) != nil {
					t.Fatalf("got token %q verified and failure %v, want no token and the missing-token failure", got, gotErr)
				}
				return
			}
			checkExtract(t, got, errors.Unwrap(gotErr), tt.want, tt.wantErr)
		})
	}
}

func TestFromQuery(t *testing.T) {
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
		{name: "repeated parameter", target: "/?access_token=abc&access_token=def", wantErr: middleware.ErrMultipleTokens},
		{name: "repeated identical parameter", target: "/?access_token=abc&access_token=abc", wantErr: middleware.ErrMultipleTokens},
	}
	extract := middleware.FromQuery("access_token")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			got, err := extract(r)
			checkExtract(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestFromAny(t *testing.T) {
	extract := middleware.FromAny(
		middleware.FromAuthorizationHeader,
		middleware.FromQuery("token"),
		middleware.FromQuery("access_token"),
	)
	tests := []struct {
		name    string
		target  string
		auth    []string
		want    string
		wantErr error
	}{
		{name: "nothing", target: "/", want: ""},
		{name: "header only", target: "/", auth: []string{"Bearer abc"}, want: "abc"},
		{name: "second source only", target: "/?token=def", want: "def"},
		{name: "third source only", target: "/?access_token=ghi", want: "ghi"},
		{name: "basic header and second source", target: "/?token=def", auth: []string{"Basic dXNlcjpwYXNz"}, want: "def"},
		{name: "header and second source", target: "/?token=def", auth: []string{"Bearer abc"}, wantErr: middleware.ErrMultipleTokens},
		{name: "same token twice", target: "/?access_token=abc", auth: []string{"Bearer abc"}, wantErr: middleware.ErrMultipleTokens},
		{name: "second and third source", target: "/?access_token=ghi&token=def", wantErr: middleware.ErrMultipleTokens},
		{name: "malformed header propagated", target: "/", auth: []string{"Bearer a b"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "malformed header with second source", target: "/?token=def", auth: []string{"Bearer a b"}, wantErr: middleware.ErrMalformedAuthorization},
		{name: "two headers propagated", target: "/", auth: []string{"Bearer abc", "Bearer abc"}, wantErr: middleware.ErrMultipleAuthorization},
		{name: "repeated query propagated", target: "/?access_token=a&access_token=b", wantErr: middleware.ErrMultipleTokens},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			for _, v := range tt.auth {
				r.Header.Add("Authorization", v)
			}
			got, err := extract(r)
			checkExtract(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestFromAnyNoExtractors(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/?access_token=abc", nil)
	r.Header.Set("Authorization", "Bearer abc")
	got, err := middleware.FromAny()(r)
	checkExtract(t, got, err, "", nil)
}

func TestFromAnyPropagatesError(t *testing.T) {
	boom := errors.New("test: extractor failed")
	found := func(*http.Request) (string, error) { return "abc", nil }
	failing := func(*http.Request) (string, error) { return "", boom }
	tests := []struct {
		name    string
		extract middleware.Extractor
	}{
		{name: "error first", extract: middleware.FromAny(failing, found)},
		{name: "error after a token", extract: middleware.FromAny(found, failing)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.extract(httptest.NewRequest(http.MethodGet, "/", nil))
			checkExtract(t, got, err, "", boom)
		})
	}
}

// TestNoExportedCookieExtractor: the only way to read a cookie is
// WithCookie, which protects cookie-authenticated requests against
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
					t.Errorf("%s: exported extractor %s reads a cookie (%s); read cookies only with WithCookie", fset.Position(sel.Pos()), fn.Name.Name, sel.Sel.Name)
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
