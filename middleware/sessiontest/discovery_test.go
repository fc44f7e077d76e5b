package sessiontest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/jwtsession/jwtsession/middleware/sessiontest"
	"github.com/jwtsession/jwtsession/session"
)

// TestIssuerURL: the Issuer's discovery document names its URL and key
// set, and the tokens minted after URL carry the URL in iss.
func TestIssuerURL(t *testing.T) {
	iss := sessiontest.NewIssuer(t, "ES256", session.Options{})
	if c := iss.Token("u").Claims; c.Issuer != "" {
		t.Errorf("iss before URL: got %q, want none", c.Issuer)
	}
	u := iss.URL()
	if again := iss.URL(); again != u {
		t.Errorf("URL again: got %q, want %q", again, u)
	}
	if c := iss.Token("u").Claims; c.Issuer != u {
		t.Errorf("iss after URL: got %q, want %q", c.Issuer, u)
	}
	res, err := http.Get(u + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc map[string]string
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc["issuer"] != u || doc["jwks_uri"] != iss.JWKSURL() {
		t.Errorf("configuration: got %v, want issuer %s and jwks_uri %s", doc, u, iss.JWKSURL())
	}
}
