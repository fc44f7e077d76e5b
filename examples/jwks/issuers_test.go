package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/session"
)

// startResource serves the resource role with args and returns its URL.
func startResource(t *testing.T, args ...string) string {
	t.Helper()
	res := newTestResource(t, "", append(args, "-refetch-cooldown", "1ms")...)
	rh, err := newResourceServer(res)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rh)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestSeveralIssuers: one resource server takes the tokens of two issuer
// instances, found by discovery, and refuses those of an issuer it was
// not given, of another audience, and a token of one issuer's key that
// claims the other issuer.
func TestSeveralIssuers(t *testing.T) {
	a, _, aURL := newTestIssuer(t, "-audience", "api")
	_, _, bURL := newTestIssuer(t, "-alg", "EdDSA", "-audience", "api,admin")
	_, _, otherURL := newTestIssuer(t, "-audience", "api")
	_, _, otherAudURL := newTestIssuer(t, "-audience", "billing")
	_, _, noAudURL := newTestIssuer(t)
	resourceURL := startResource(t, "-issuer", aURL, "-issuer", bURL+"/", "-audience", "api", "-audience", "reports")

	// B's identifier differs from what the resource was given by a
	// trailing slash: discovery refuses it, and B's tokens, whose iss is
	// not the configured identifier either, are refused.
	wantStatus(t, do(t, "GET", resourceURL+"/readyz", "", ""), http.StatusServiceUnavailable)
	wantStatus(t, do(t, "GET", resourceURL+"/me", login(t, bURL), ""), http.StatusUnauthorized)
	wantStatus(t, do(t, "GET", resourceURL+"/me", login(t, aURL), ""), http.StatusOK)
	resourceURL = startResource(t, "-issuer", aURL+","+bURL, "-audience", "api", "-audience", "reports")
	wantStatus(t, do(t, "GET", resourceURL+"/readyz", "", ""), http.StatusOK)

	claimsB, err := session.New(a.ks, session.Options{Issuer: bURL, Audience: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	forged, err := claimsB.Issue(context.Background(), "123", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		token string
		want  int
	}{
		{"A's token", login(t, aURL), http.StatusOK},
		{"B's token, aud [api admin]", login(t, bURL), http.StatusOK},
		{"an issuer not configured", login(t, otherURL), http.StatusUnauthorized},
		{"signed by A, claiming B", forged.Value, http.StatusUnauthorized},
		{"an issuer not configured, of another audience", login(t, otherAudURL), http.StatusUnauthorized},
		{"no aud", login(t, noAudURL), http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, do(t, "GET", resourceURL+"/me", tt.token, ""), tt.want)
		})
	}

	// Another audience is refused by aud, not only by iss: a resource
	// server that discovers that issuer still refuses its token.
	billing := startResource(t, "-issuer", otherAudURL, "-audience", "api")
	wantStatus(t, do(t, "GET", billing+"/me", login(t, otherAudURL), ""), http.StatusUnauthorized)
	wantStatus(t, do(t, "GET", startResource(t, "-issuer", otherAudURL, "-audience", "billing")+"/me", login(t, otherAudURL), ""), http.StatusOK)
	// With no -audience, a token that carries aud is refused.
	noAud := startResource(t, "-issuer", aURL)
	wantStatus(t, do(t, "GET", noAud+"/me", login(t, aURL), ""), http.StatusUnauthorized)
	wantStatus(t, do(t, "GET", startResource(t, "-issuer", noAudURL)+"/me", login(t, noAudURL), ""), http.StatusOK)
}

// TestIssuerDiscoveryDocument: the issuer serves its identifier and the
// URL of its key set, which lists the key its tokens name.
func TestIssuerDiscoveryDocument(t *testing.T) {
	_, _, url := newTestIssuer(t)
	res := do(t, "GET", url+"/.well-known/openid-configuration", "", "")
	wantStatus(t, res, http.StatusOK)
	doc := decode[map[string]string](t, res)
	if doc["issuer"] != url || doc["jwks_uri"] != url+"/.well-known/jwks.json" {
		t.Errorf("configuration: got %v, want issuer %s and its jwks.json", doc, url)
	}
	tok := login(t, url)
	if kids := publishedKids(t, url); len(kids) != 1 || kids[0] != testkit.KidOf(t, tok) {
		t.Errorf("published %v, token kid %q", kids, testkit.KidOf(t, tok))
	}
}

// TestIssuerOutageAtStart: an issuer down when the resource server starts
// gets 503s (never 401) and /readyz 503; once it is up, its tokens
// verify without a restart.
func TestIssuerOutageAtStart(t *testing.T) {
	var up atomic.Pointer[http.Handler]
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := up.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		http.Error(w, "starting", http.StatusServiceUnavailable)
	}))
	t.Cleanup(front.Close)
	opts, err := parseFlags([]string{"-role", "issuer", "-issuer", front.URL})
	if err != nil {
		t.Fatal(err)
	}
	is, err := newIssuer(opts, noEnv, discard)
	if err != nil {
		t.Fatal(err)
	}
	h, err := newIssuerServer(is)
	if err != nil {
		t.Fatal(err)
	}
	resourceURL := startResource(t, "-issuer", front.URL)
	tok, err := is.m.Issue(context.Background(), "123", nil)
	if err != nil {
		t.Fatal(err)
	}
	res := do(t, "GET", resourceURL+"/me", tok.Value, "")
	wantStatus(t, res, http.StatusServiceUnavailable)
	if res.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	wantStatus(t, do(t, "GET", resourceURL+"/readyz", "", ""), http.StatusServiceUnavailable)

	up.Store(&h)
	// The next request after the 1 ms refetch cooldown discovers it.
	deadline := time.Now().Add(5 * time.Second)
	for do(t, "GET", resourceURL+"/me", tok.Value, "").StatusCode != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/me still failing 5 s after the issuer came up")
		}
		time.Sleep(time.Millisecond)
	}
	wantStatus(t, do(t, "GET", resourceURL+"/readyz", "", ""), http.StatusOK)
}

// TestAccessTokens: the resource server accepts RFC 9068 access tokens
// (typ at+jwt) of a discovered issuer, and refuses other types.
func TestAccessTokens(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "signing.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	url := "http://" + srv.Listener.Addr().String()
	opts, err := parseFlags([]string{"-role", "issuer", "-issuer", url})
	if err != nil {
		t.Fatal(err)
	}
	is, err := newIssuer(opts, func(name string) string {
		if name == "JWT_SIGNING_KEY_FILE" {
			return path
		}
		return ""
	}, discard)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Config.Handler, err = newIssuerServer(is); err != nil {
		t.Fatal(err)
	}
	srv.Start()
	kid := activeID(is.ks)
	resourceURL := startResource(t, "-issuer", url, "-audience", "https://api.example")

	now := time.Now()
	sign := func(typ string) string {
		hdr, _ := json.Marshal(map[string]string{"typ": typ, "alg": "ES256", "kid": kid})
		payload := fmt.Sprintf(`{"iss":%q,"user_id":"7","aud":"https://api.example","client_id":"cli","scope":"read","iat":%d,"exp":%d,"jti":"j1"}`, url, now.Unix(), now.Add(5*time.Minute).Unix())
		in := base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
		sum := sha256.Sum256([]byte(in))
		r, s, err := ecdsa.Sign(rand.Reader, priv, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return in + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	for _, tt := range []struct {
		typ  string
		want int
	}{
		{"at+jwt", http.StatusOK},
		{"application/at+jwt", http.StatusOK},
		{"JWT", http.StatusOK},
		{"dpop+jwt", http.StatusUnauthorized},
	} {
		t.Run(tt.typ, func(t *testing.T) {
			res := do(t, "GET", resourceURL+"/me", sign(tt.typ), "")
			wantStatus(t, res, tt.want)
			if tt.want == http.StatusOK {
				if got := decode[map[string]string](t, res); got["user_id"] != "7" {
					t.Errorf("/me: got %v, want user_id 7", got)
				}
			}
		})
	}
}
