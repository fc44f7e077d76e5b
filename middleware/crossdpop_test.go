package middleware_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/middleware/sessiontest"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

// nodeAlgs are the algorithms of dpop 2.1.2's generateKeyPair. It signs
// Ed25519 keys with the fully-specified alg "Ed25519" (RFC 9864) and has
// no "EdDSA"; sessiontest.ProofKey covers that name.
var nodeAlgs = []string{"ES256", "Ed25519", "RS256", "PS256"}

// crossOrigin is the public URL of the resource server in the
// cross-check.
const crossOrigin = "https://api.example"

// newCrossServer returns a Manager and /me behind Authenticate with DPoP
// checked against crossOrigin, in memory; nonceSecret turns on nonces.
func newCrossServer(t *testing.T, nonceSecret []byte) (*session.Manager, *middleware.Auth, http.Handler) {
	t.Helper()
	secret := make([]byte, 32)
	rand.Read(secret)
	m, err := session.New(session.HS256(secret), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := middleware.New(m, middleware.Options{DPoP: middleware.DPoPOptions{PublicURL: crossOrigin, NonceSecret: nonceSecret}})
	if err != nil {
		t.Fatal(err)
	}
	return m, auth, auth.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := middleware.UserIDFromContext(r.Context())
		w.Write([]byte(id))
	}))
}

// serveDPoP sends GET path to h with "Authorization: DPoP token" and
// proof, and returns the response.
func serveDPoP(h http.Handler, path, token, proof string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", crossOrigin+path, nil)
	req.Header.Set("Authorization", "DPoP "+token)
	req.Header.Set("DPoP", proof)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// wantDPoPError checks a 401 whose DPoP challenge names code.
func wantDPoPError(t *testing.T, rec *httptest.ResponseRecorder, code string) {
	t.Helper()
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("got status %d, want 401 %s", rec.Code, code)
	}
	for _, v := range rec.Header().Values("WWW-Authenticate") {
		if strings.HasPrefix(v, "DPoP ") && strings.Contains(v, `error="`+code+`"`) {
			return
		}
	}
	t.Errorf("WWW-Authenticate: got %q, want a DPoP challenge with error=%q", rec.Header().Values("WWW-Authenticate"), code)
}

// TestDPoPCrossNode: proofs made by panva's dpop are accepted by the
// middleware for a token bound to dpop's thumbprint, which equals ours
// (session's and jwx's); replayed, tampered and misdirected ones are
// refused.
func TestDPoPCrossNode(t *testing.T) {
	node := startNodeDPoP(t)
	for _, alg := range nodeAlgs {
		t.Run(alg, func(t *testing.T) {
			m, auth, h := newCrossServer(t, nil)

			// Login: the proof alone, checked by Auth.Proof.
			login := node.proof(alg, "POST", crossOrigin+"/login", "", "")
			p, err := jose.ParseProof(login.Proof)
			if err != nil {
				t.Fatalf("ParseProof: %v", err)
			}
			if p.Algorithm != alg || p.Thumbprint != login.Thumbprint {
				t.Errorf("got alg %s, thumbprint %s; want %s and dpop's %s", p.Algorithm, p.Thumbprint, alg, login.Thumbprint)
			}
			// jwx (through package jwks) agrees on dpop's public key; kid
			// and alg, which jwks requires of RSA keys, are no members of
			// the thumbprint.
			jwk := map[string]string{"kid": "dpop"}
			maps.Copy(jwk, login.JWK)
			if jwk["kty"] == "RSA" {
				jwk["alg"] = alg
			}
			raw, err := json.Marshal(jwk)
			if err != nil {
				t.Fatal(err)
			}
			k, err := jwks.Parse(raw)
			if err != nil {
				t.Fatalf("jwks.Parse(%s): %v", raw, err)
			}
			if jkt, err := jwks.Thumbprint(k); err != nil || jkt != login.Thumbprint {
				t.Errorf("jwks.Thumbprint: got %s, %v; want dpop's %s", jkt, err, login.Thumbprint)
			}
			req := httptest.NewRequest("POST", crossOrigin+"/login", nil)
			req.Header.Set("DPoP", login.Proof)
			thumb, err := auth.Proof(req)
			if err != nil || thumb != login.Thumbprint {
				t.Fatalf("Auth.Proof: got %q, %v; want dpop's thumbprint %s", thumb, err, login.Thumbprint)
			}
			tok, err := m.IssueBound(context.Background(), "123", thumb, nil)
			if err != nil {
				t.Fatal(err)
			}

			me := node.proof(alg, "GET", crossOrigin+"/me", tok.Value, "")
			if rec := serveDPoP(h, "/me?page=1", tok.Value, me.Proof); rec.Code != http.StatusOK || rec.Body.String() != "123" {
				t.Fatalf("got %d %q, want 200 123", rec.Code, rec.Body)
			}
			wantDPoPError(t, serveDPoP(h, "/me", tok.Value, me.Proof), "invalid_dpop_proof") // replayed
			wantDPoPError(t, serveDPoP(h, "/me", tok.Value, sessiontest.Tamper(node.proof(alg, "GET", crossOrigin+"/me", tok.Value, "").Proof)), "invalid_dpop_proof")
			wantDPoPError(t, serveDPoP(h, "/me", tok.Value, node.proof(alg, "GET", crossOrigin+"/other", tok.Value, "").Proof), "invalid_dpop_proof")
			wantDPoPError(t, serveDPoP(h, "/me", tok.Value, node.proof(alg, "GET", "https://evil.example/me", tok.Value, "").Proof), "invalid_dpop_proof")
			wantDPoPError(t, serveDPoP(h, "/me", tok.Value, node.proof(alg, "POST", crossOrigin+"/me", tok.Value, "").Proof), "invalid_dpop_proof")
			wantDPoPError(t, serveDPoP(h, "/me", tok.Value, node.proof(alg, "GET", crossOrigin+"/me", "another.to.ken", "").Proof), "invalid_dpop_proof")
			// A proof of another dpop key: the token is bound to this one.
			other := nodeAlgs[(slices.Index(nodeAlgs, alg)+1)%len(nodeAlgs)]
			wantDPoPError(t, serveDPoP(h, "/me", tok.Value, node.proof(other, "GET", crossOrigin+"/me", tok.Value, "").Proof), "invalid_dpop_proof")
		})
	}
}

// TestDPoPCrossNodeNonce: dpop's proofs carry the server's nonce after a
// use_dpop_nonce answer.
func TestDPoPCrossNodeNonce(t *testing.T) {
	node := startNodeDPoP(t)
	nonceSecret := make([]byte, 32)
	rand.Read(nonceSecret)
	m, _, h := newCrossServer(t, nonceSecret)
	first := node.proof("ES256", "GET", crossOrigin+"/me", "", "")
	tok, err := m.IssueBound(context.Background(), "123", first.Thumbprint, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := serveDPoP(h, "/me", tok.Value, node.proof("ES256", "GET", crossOrigin+"/me", tok.Value, "").Proof)
	wantDPoPError(t, rec, "use_dpop_nonce")
	nonce := rec.Header().Get("DPoP-Nonce")
	if nonce == "" {
		t.Fatal("got no DPoP-Nonce header")
	}
	if rec := serveDPoP(h, "/me", tok.Value, node.proof("ES256", "GET", crossOrigin+"/me", tok.Value, nonce).Proof); rec.Code != http.StatusOK {
		t.Fatalf("with the nonce: got %d %s, want 200", rec.Code, rec.Body)
	}
	wantDPoPError(t, serveDPoP(h, "/me", tok.Value, node.proof("ES256", "GET", crossOrigin+"/me", tok.Value, nonce+"x").Proof), "use_dpop_nonce")
}
