package middleware_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// publicURL is the PublicURL of the DPoP fixtures.
const publicURL = "https://api.example.com"

// dpopFixture is a fixture with an Auth that accepts DPoP and a client
// key pair (ES256) that bound tokens are issued to.
type dpopFixture struct {
	*fixture
	auth   *middleware.Auth
	client testkit.Prover
	jkt    string
}

// newDPoPFixture builds a dpopFixture; opts.DPoP.PublicURL defaults to
// publicURL.
func newDPoPFixture(t *testing.T, opts middleware.Options) *dpopFixture {
	t.Helper()
	f := newFixture(t)
	if opts.DPoP.PublicURL == "" && !opts.DPoP.TrustForwardedHeaders && opts.DPoP.Mode != middleware.DPoPDisabled {
		opts.DPoP.PublicURL = publicURL
	}
	client := newProver(t)
	jkt, err := jose.Thumbprint(client.Key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return &dpopFixture{fixture: f, auth: mustNew(t, f.m, opts), client: client, jkt: jkt}
}

// bound issues a token bound to the fixture's client key.
func (d *dpopFixture) bound(t *testing.T) *session.Token {
	t.Helper()
	tok, err := d.m.IssueBound(context.Background(), "u1", d.jkt, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// proof returns a proof by p for method and url at the fixture's time,
// with ath of tok when tok is not "", changed by edit when not nil.
func (d *dpopFixture) proof(t *testing.T, p testkit.Prover, method, url, tok string, edit func(*testkit.ProofClaims)) string {
	t.Helper()
	c := testkit.ProofClaims{HTM: method, HTU: url, IAT: d.clock.Now()}
	if tok != "" {
		c.ATH = testkit.TokenHash(tok)
	}
	if edit != nil {
		edit(&c)
	}
	return p.Proof(t, c)
}

// dpopRequest returns a request to url with "Authorization: DPoP tok"
// (none when tok is "") and one DPoP header per proof.
func dpopRequest(method, url, tok string, proofs ...string) *http.Request {
	r := httptest.NewRequest(method, url, nil)
	if tok != "" {
		r.Header.Set("Authorization", "DPoP "+tok)
	}
	for _, p := range proofs {
		r.Header.Add("DPoP", p)
	}
	return r
}

// okHandler records that it ran, and the request's claims and
// thumbprint.
type okHandler struct {
	ran        bool
	claims     *session.Claims
	thumbprint string
}

func (h *okHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.ran = true
	h.claims, _ = middleware.ClaimsFromContext(r.Context())
	h.thumbprint, _ = middleware.ThumbprintFromContext(r.Context())
}

// wantDPoPFailure checks a failure answered on the DPoP scheme: status,
// the DPoP challenge with code first (and the Bearer one after it when
// bearer is true), and the body's code.
func wantDPoPFailure(t *testing.T, res *http.Response, body string, status int, code string, bearer bool) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("got status %d (body %q), want %d", res.StatusCode, body, status)
	}
	got := res.Header.Values("WWW-Authenticate")
	if len(got) == 0 || !strings.HasPrefix(got[0], dpopChallenge) || !strings.Contains(got[0], `error="`+code+`"`) {
		t.Fatalf("got WWW-Authenticate %q, want first %s with error=%q", got, dpopChallenge, code)
	}
	if want := 1; bearer {
		if len(got) != 2 || got[1] != challenge(defaultRealm, "", "") {
			t.Errorf("got WWW-Authenticate %q, want the bare Bearer challenge second", got)
		}
	} else if len(got) != want {
		t.Errorf("got WWW-Authenticate %q, want only the DPoP challenge", got)
	}
	if e := decodeError(t, body); e.Error != code {
		t.Errorf("got body error %q, want %q", e.Error, code)
	}
}

// newProver returns an ES256 prover with a new key.
func newProver(t testing.TB) testkit.Prover {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testkit.Prover{Alg: "ES256", Key: k}
}

// b64url encodes s as unpadded base64url.
func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// hs256 returns the base64url HMAC-SHA256 of input under secret.
func hs256(t *testing.T, secret []byte, input string) string {
	t.Helper()
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// unixOf formats t as a NumericDate.
func unixOf(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
