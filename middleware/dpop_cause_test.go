package middleware_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// TestDPoPParserCauses: a proof that the parser refuses is answered as
// invalid_dpop_proof, and its cause, for logs, says what the parser
// found wrong; the error's text names the package once.
func TestDPoPParserCauses(t *testing.T) {
	const refresh = publicURL + "/refresh"
	d := newDPoPFixture(t, middleware.Options{})
	good := d.proof(t, d.client, "POST", refresh, "", nil)
	tests := []struct {
		name, proof, want string
	}{
		{"two parts", "a.b", "token is not a compact JWS with three parts"},
		{"typ JWT", testkit.SignJWS(t, "ES256", d.client.Key, `{"typ":"JWT","alg":"ES256"}`, `{}`), "proof typ is not dpop+jwt"},
		{"signature altered", good[:len(good)-4] + "AAAA", "signature does not verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.auth.Proof(dpopRequest("POST", refresh, "", tt.proof))
			var e *middleware.Error
			if !errors.As(err, &e) || e.Code != "invalid_dpop_proof" || e.Err == nil {
				t.Fatalf("got %v, want an invalid_dpop_proof *Error with a cause", err)
			}
			if got, want := e.Err.Error(), tt.want; got != want {
				t.Errorf("got cause %q, want %q", got, want)
			}
			if got, want := e.Error(), "middleware: DPoP proof invalid: "+tt.want; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// TestDPoPErrorText: the text of a DPoP failure, as logs show it, names
// the package once, then the fixed description and the cause.
func TestDPoPErrorText(t *testing.T) {
	const refresh = publicURL + "/refresh"
	d := newDPoPFixture(t, middleware.Options{})
	replayed := d.proof(t, d.client, "POST", refresh, "", nil)
	if _, err := d.auth.Proof(dpopRequest("POST", refresh, "", replayed)); err != nil {
		t.Fatalf("first use of the proof: got %v, want no error", err)
	}
	tests := []struct {
		name string
		r    *http.Request
		want string
	}{
		{"replayed", dpopRequest("POST", refresh, "", replayed), "middleware: DPoP proof invalid: jti was already used"},
		{"wrong method", dpopRequest("GET", refresh, "", d.proof(t, d.client, "POST", refresh, "", nil)), "middleware: DPoP proof invalid: htm does not match the request method"},
		{"two DPoP headers", dpopRequest("POST", refresh, "", replayed, replayed), "middleware: malformed credentials: more than one DPoP header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.auth.Proof(tt.r)
			if err == nil {
				t.Fatal("got no error, want one")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestErrorTextNamesPackageOnce: a cause of the middleware's own loses
// its prefix in the Error's text, for Bearer failures as for DPoP ones.
func TestErrorTextNamesPackageOnce(t *testing.T) {
	m, err := session.New(session.HS256(exampleSecret), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	auth, err := middleware.New(m, middleware.Options{ErrorHandler: func(w http.ResponseWriter, r *http.Request, e *middleware.Error) {
		got = e.Error()
		middleware.WriteError(w, r, e)
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Add("Authorization", "Bearer a.b.c")
	r.Header.Add("Authorization", "Bearer d.e.f")
	auth.Authenticate(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Fatal("the handler ran") })).ServeHTTP(httptest.NewRecorder(), r)
	if want := "middleware: malformed credentials: more than one Authorization header"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
