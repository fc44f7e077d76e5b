package jwks

import (
	"context"
	"encoding/json"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// allKeysSet returns a KeySet with a key of every algorithm, the HS256
// one active.
func allKeysSet(t testing.TB) *session.KeySet {
	t.Helper()
	k := testkit.NewKeys(t)
	secret := make([]byte, 32)
	ks, err := session.NewKeySet(session.HS256(secret).WithID("hs"),
		mustKey(t, k.EC, "ES256", "es"), mustKey(t, k.Ed, "EdDSA", "ed"), mustKey(t, k.RSA, "RS256", "rs"), mustKey(t, k.RSA, "PS256", "ps"))
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// TestMarshalOnlyPublicMembers: every member of every published key is
// public; HMAC keys are not published at all.
func TestMarshalOnlyPublicMembers(t *testing.T) {
	ks := allKeysSet(t)
	data, err := Marshal(ks.PublicKeys())
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	allowed := map[string][]string{
		"EC":  {"alg", "crv", "kid", "kty", "use", "x", "y"},
		"OKP": {"alg", "crv", "kid", "kty", "use", "x"},
		"RSA": {"alg", "e", "kid", "kty", "n", "use"},
	}
	var kids []string
	for _, jk := range set.Keys {
		kty, _ := jk["kty"].(string)
		for name := range jk {
			switch name {
			case "d", "p", "q", "dp", "dq", "qi", "k", "oth":
				t.Errorf("key %v publishes the private member %q", jk["kid"], name)
			}
			if !slices.Contains(allowed[kty], name) {
				t.Errorf("key %v (kty %q) has member %q; want only %v", jk["kid"], kty, name, allowed[kty])
			}
		}
		if jk["use"] != "sig" {
			t.Errorf("key %v: got use %v, want sig", jk["kid"], jk["use"])
		}
		kids = append(kids, jk["kid"].(string))
	}
	if want := []string{"es", "ed", "rs", "ps"}; !slices.Equal(kids, want) {
		t.Errorf("kids: got %v, want %v (no HMAC key)", kids, want)
	}
	for _, private := range []string{`"d"`, `"p"`, `"q"`, `"dp"`, `"dq"`, `"qi"`, `"k"`} {
		if strings.Contains(string(data), private+":") {
			t.Errorf("the document contains %s", private)
		}
	}
}

// TestMarshalVerifies: the published set, read back, verifies the
// tokens of the session.KeySet, active key first.
func TestMarshalVerifies(t *testing.T) {
	ctx := context.Background()
	k := testkit.NewKeys(t)
	ks, err := session.NewKeySet(mustKey(t, k.EC, "ES256", "a"), mustKey(t, k.RSA, "RS256", "b"))
	if err != nil {
		t.Fatal(err)
	}
	issuer, _ := session.New(ks, session.Options{})
	tokA, _ := issuer.Issue(ctx, "123", nil)
	if err := ks.Activate("b"); err != nil {
		t.Fatal(err)
	}
	tokB, _ := issuer.Issue(ctx, "456", nil)
	data, _ := Marshal(ks.PublicKeys())
	keys, err := ParseSet(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID() != "b" || keys[1].ID() != "a" {
		t.Fatalf("got %v, want [b a] (the active key first)", keys)
	}
	for _, tc := range []struct {
		key session.Key
		tok string
	}{{keys[0], tokB.Value}, {keys[1], tokA.Value}} {
		if tc.key.CanSign() {
			t.Errorf("%v: a published key can sign", tc.key)
		}
		m, _ := session.New(tc.key, session.Options{})
		if _, err := m.Verify(ctx, tc.tok); err != nil {
			t.Errorf("%v: got %v, want the token valid", tc.key, err)
		}
	}
}

func TestMarshalHMACOnly(t *testing.T) {
	ks, err := session.NewKeySet(session.HS256(make([]byte, 32)).WithID("hs"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(ks.PublicKeys())
	if err != nil || string(data) != `{"keys":[]}` {
		t.Fatalf("got %s, %v; want an empty set", data, err)
	}
}

func TestHandler(t *testing.T) {
	ks := allKeysSet(t)
	h, err := Handler(ks, HandlerOptions{MaxAge: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	do := func(method, ifNoneMatch string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+"/.well-known/jwks.json", nil)
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}

	res, body := do(http.MethodGet, "")
	want, _ := Marshal(ks.PublicKeys())
	if res.StatusCode != http.StatusOK || body != string(want) {
		t.Fatalf("GET: got %d %s, want 200 and the public set", res.StatusCode, body)
	}
	for name, want := range map[string]string{
		"Content-Type":           "application/jwk-set+json",
		"Cache-Control":          "public, max-age=60",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	etag := res.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("ETag: got %q, want a strong entity tag", etag)
	}

	t.Run("HEAD", func(t *testing.T) {
		res, body := do(http.MethodHead, "")
		if res.StatusCode != http.StatusOK || body != "" || res.Header.Get("ETag") != etag {
			t.Errorf("got %d, body %q, ETag %q; want 200, no body, the same ETag", res.StatusCode, body, res.Header.Get("ETag"))
		}
	})
	t.Run("If-None-Match", func(t *testing.T) {
		for _, v := range []string{etag, `"x", ` + etag, "W/" + etag, "*"} {
			if res, body := do(http.MethodGet, v); res.StatusCode != http.StatusNotModified || body != "" {
				t.Errorf("If-None-Match %s: got %d %q, want 304", v, res.StatusCode, body)
			}
		}
		if res, _ := do(http.MethodGet, `"other"`); res.StatusCode != http.StatusOK {
			t.Errorf("stale ETag: got %d, want 200", res.StatusCode)
		}
	})
	t.Run("other methods", func(t *testing.T) {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			if res, _ := do(m, ""); res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s: got %d Allow %q, want 405 with Allow: GET, HEAD", m, res.StatusCode, res.Header.Get("Allow"))
			}
		}
	})
	t.Run("rotation shows at once", func(t *testing.T) {
		if err := ks.Add(newES256(t, "new")); err != nil {
			t.Fatal(err)
		}
		res, body := do(http.MethodGet, etag)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `"kid":"new"`) || res.Header.Get("ETag") == etag {
			t.Fatalf("after Add: got %d, ETag %q, %s; want 200, a new ETag, the new key", res.StatusCode, res.Header.Get("ETag"), body)
		}
		if err := ks.Retire("es"); err != nil {
			t.Fatal(err)
		}
		if _, body := do(http.MethodGet, ""); strings.Contains(body, `"kid":"es"`) {
			t.Errorf("after Retire: the retired key is still published: %s", body)
		}
	})
}

func TestHandlerDefaultsAndRefusals(t *testing.T) {
	ks := allKeysSet(t)
	h, err := Handler(ks, HandlerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	if got := rec.Header().Get("Cache-Control"); got != "public, max-age=300" {
		t.Errorf("default Cache-Control: got %q, want public, max-age=300", got)
	}
	for _, tc := range []struct {
		name string
		ks   *session.KeySet
		opts HandlerOptions
		want string
	}{
		{"nil key set", nil, HandlerOptions{}, "needs a *session.KeySet"},
		{"negative max-age", ks, HandlerOptions{MaxAge: -time.Second}, "between 1s and 24h"},
		{"sub-second max-age", ks, HandlerOptions{MaxAge: time.Millisecond}, "between 1s and 24h"},
		{"day-long max-age", ks, HandlerOptions{MaxAge: 25 * time.Hour}, "between 1s and 24h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Handler(tc.ks, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
