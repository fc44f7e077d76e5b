package middleware_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// recordingCache is a replay cache in memory that records the ids it is
// asked to add.
type recordingCache struct {
	mu    sync.Mutex
	ids   []string
	cache *session.MemoryStore
}

// newRecordingDPoPFixture returns a dpopFixture whose Auth uses a
// recordingCache on the fixture's clock.
func newRecordingDPoPFixture(t *testing.T) (*dpopFixture, *recordingCache) {
	t.Helper()
	c := &recordingCache{}
	d := newDPoPFixture(t, middleware.Options{DPoP: middleware.DPoPOptions{ReplayCache: c}})
	c.cache = session.NewMemoryStore(session.MemoryStoreOptions{Clock: d.m.Now})
	return d, c
}

// thumbprintOf returns the thumbprint of p's key.
func thumbprintOf(t *testing.T, p testkit.Prover) string {
	t.Helper()
	jkt, err := jose.Thumbprint(p.Key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return jkt
}

func (c *recordingCache) Add(ctx context.Context, id string, until time.Time) (bool, error) {
	c.mu.Lock()
	c.ids = append(c.ids, id)
	c.mu.Unlock()
	return c.cache.Add(ctx, id, until)
}

func (c *recordingCache) added() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.ids...)
}

// forge replaces the signature of proof with junk of the same length,
// which any client can send without the private key.
func forge(proof string) string {
	i := strings.LastIndexByte(proof, '.')
	return proof[:i+1] + strings.Repeat("A", len(proof)-i-1)
}

// TestDPoPCheckOrder checks that Authenticate verifies the token and
// compares its cnf.jkt with the proof key's thumbprint before it checks
// the proof's signature or claims, and records nothing in the replay
// cache for a request that fails: a bad token wins over a proof whose
// signature or claims are bad (invalid_token), a proof that does not
// parse wins over a bad token (invalid_dpop_proof).
func TestDPoPCheckOrder(t *testing.T) {
	other := newProver(t)
	tests := []struct {
		name string
		// request returns the token and the proof to send.
		request  func(t *testing.T, d *dpopFixture) (tok, proof string)
		wantCode string // "" for 200
	}{
		{"junk token, forged proof", func(t *testing.T, d *dpopFixture) (string, string) {
			return "junk", forge(d.proof(t, d.client, "GET", publicURL+"/me", "junk", nil))
		}, "invalid_token"},
		{"unbound token, forged proof", func(t *testing.T, d *dpopFixture) (string, string) {
			tok, err := d.m.Issue(t.Context(), "u1", nil)
			if err != nil {
				t.Fatal(err)
			}
			return tok.Value, forge(d.proof(t, d.client, "GET", publicURL+"/me", tok.Value, nil))
		}, "invalid_token"},
		{"expired token, stale proof", func(t *testing.T, d *dpopFixture) (string, string) {
			tok := d.bound(t).Value
			p := d.proof(t, d.client, "GET", publicURL+"/me", tok, nil)
			d.clock.Advance(48 * time.Hour)
			return tok, p
		}, "invalid_token"},
		{"junk token, malformed proof", func(t *testing.T, d *dpopFixture) (string, string) {
			return "junk", "a.b.c"
		}, "invalid_dpop_proof"},
		{"bound token, proof of another key", func(t *testing.T, d *dpopFixture) (string, string) {
			tok := d.bound(t).Value
			return tok, d.proof(t, other, "GET", publicURL+"/me", tok, nil)
		}, "invalid_dpop_proof"},
		{"bound token, forged proof", func(t *testing.T, d *dpopFixture) (string, string) {
			tok := d.bound(t).Value
			return tok, forge(d.proof(t, d.client, "GET", publicURL+"/me", tok, nil))
		}, "invalid_dpop_proof"},
		{"bound token, proof for another URL", func(t *testing.T, d *dpopFixture) (string, string) {
			tok := d.bound(t).Value
			return tok, d.proof(t, d.client, "GET", publicURL+"/other", tok, nil)
		}, "invalid_dpop_proof"},
		{"bound token, good proof", func(t *testing.T, d *dpopFixture) (string, string) {
			tok := d.bound(t).Value
			return tok, d.proof(t, d.client, "GET", publicURL+"/me", tok, nil)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, cache := newRecordingDPoPFixture(t)
			tok, proof := tt.request(t, d)
			w := httptest.NewRecorder()
			h := &okHandler{}
			d.auth.Authenticate(h).ServeHTTP(w, dpopRequest("GET", publicURL+"/me", tok, proof))
			added := cache.added()
			if tt.wantCode == "" {
				if w.Code != http.StatusOK || !h.ran || len(added) != 1 {
					t.Fatalf("got status %d (body %q), handler ran %v, %d replay records; want 200, ran, 1", w.Code, w.Body, h.ran, len(added))
				}
				return
			}
			res := w.Result()
			wantDPoPFailure(t, res, w.Body.String(), http.StatusUnauthorized, tt.wantCode, true)
			if h.ran || len(added) != 0 {
				t.Errorf("got handler ran %v, replay records %q; want neither", h.ran, added)
			}
		})
	}
}

// TestDPoPReplayPerClient checks that a jti counts per proof key: one
// client's jti never blocks another's, while the same client's jti is
// still a replay, and that the cache's id names the key.
func TestDPoPReplayPerClient(t *testing.T) {
	tests := []struct {
		name      string
		sameKey   bool
		wantCode2 string // "" for 200
	}{
		{"another client, same jti", false, ""},
		{"same client, same jti", true, "invalid_dpop_proof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, cache := newRecordingDPoPFixture(t)
			second, jkt2 := d.client, d.jkt
			if !tt.sameKey {
				second = newProver(t)
				jkt2 = thumbprintOf(t, second)
			}
			send := func(p testkit.Prover, jkt string) *httptest.ResponseRecorder {
				t.Helper()
				tok, err := d.m.IssueBound(t.Context(), "u-"+jkt[:8], jkt, nil)
				if err != nil {
					t.Fatal(err)
				}
				pr := d.proof(t, p, "GET", publicURL+"/me", tok.Value, func(c *testkit.ProofClaims) { c.JTI = "1" })
				w := httptest.NewRecorder()
				d.auth.Authenticate(&okHandler{}).ServeHTTP(w, dpopRequest("GET", publicURL+"/me", tok.Value, pr))
				return w
			}
			if w := send(d.client, d.jkt); w.Code != http.StatusOK {
				t.Fatalf("first client: got status %d (body %q), want 200", w.Code, w.Body)
			}
			w := send(second, jkt2)
			if tt.wantCode2 == "" {
				if w.Code != http.StatusOK {
					t.Errorf("second request: got status %d (body %q), want 200", w.Code, w.Body)
				}
			} else {
				wantDPoPFailure(t, w.Result(), w.Body.String(), http.StatusUnauthorized, tt.wantCode2, true)
			}
			if got := cache.added(); len(got) == 0 || got[0] != d.jkt+".1" {
				t.Errorf("got replay ids %q, want the first %q", got, d.jkt+".1")
			}
		})
	}
}
