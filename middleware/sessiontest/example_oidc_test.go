package sessiontest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/middleware/sessiontest"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// An API that takes the tokens of an OpenID Connect provider, tested
// against a stand-in provider: the Issuer serves discovery on loopback,
// and its tokens carry its URL in iss.
func ExampleIssuer_URL() {
	t := &testing.T{} // in a test, the *testing.T it is given

	opts := session.Options{UserIDClaim: "sub", Audience: []string{"https://api.example.com"}}
	provider := sessiontest.NewIssuer(t, "RS256", opts)
	other := sessiontest.NewIssuer(t, "RS256", session.Options{UserIDClaim: "sub", Audience: []string{"https://other.example.com"}})

	// The API under test, built as in production with the provider's URL.
	keys, err := jwks.NewIssuers([]string{provider.URL()}, jwks.RemoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	opts.Clock = provider.Now
	m, err := session.New(keys, opts)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := middleware.New(m, middleware.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := auth.Authenticate(http.HandlerFunc(greet))

	send := func(token string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	send(provider.Token("auth0|123").Value)
	other.URL()
	send(other.Token("auth0|123").Value) // another issuer, another audience

	// Output:
	// 200 hello auth0|123
	// 401 {"error":"invalid_token","error_description":"token invalid"}
}
