package sessiontest

import (
	"encoding/json"
	"net/http"
)

// URL returns the Issuer's identifier as an OpenID Connect provider: the
// URL of its loopback server (the one [Issuer.JWKSURL] starts), which
// also serves /.well-known/openid-configuration with this URL as issuer
// and the JWK Set as jwks_uri. From the first call on, the Issuer's
// tokens carry it in iss (its Manager is replaced by one that writes
// it), so that a verifier built with jwks.NewIssuers on it accepts them:
// call URL before minting the tokens. An Issuer whose options name
// another issuer, and an HS256 Issuer, fail the test.
func (iss *Issuer) URL() string {
	iss.t.Helper()
	u := iss.server()
	if iss.opts.Issuer == u {
		return u
	}
	if iss.opts.Issuer != "" {
		iss.t.Fatalf("sessiontest: URL: the Issuer's options name the issuer %q; leave Options.Issuer empty to issue as %s", iss.opts.Issuer, u)
	}
	iss.opts.Issuer = u
	m, err := iss.newManager(iss.Now, 0)
	if err != nil {
		iss.t.Fatalf("sessiontest: %v", err)
	}
	iss.Manager = m
	return u
}

// configuration serves the Issuer's OpenID Provider configuration.
func (iss *Issuer) configuration(w http.ResponseWriter, r *http.Request) {
	iss.mu.Lock()
	u := iss.url
	iss.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"issuer": u, "jwks_uri": u + "/.well-known/jwks.json"})
}
