package jwks

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/session"
)

// crosslibDir holds the key sets and tokens that node jose and PyJWT
// made (see session/testdata/crosslib/README.md).
const crosslibDir = "../testdata/crosslib"

// crosslibTokens is a <library>-algs.json file: tokens signed at now by
// the keys of <library>-jwks.json, with the verdict each must get.
type crosslibTokens struct {
	Library string `json:"library"`
	Now     int64  `json:"now"`
	Issuer  string `json:"issuer"`
	Aud     string `json:"audience"`
	Tokens  []struct {
		Name   string `json:"name"`
		Alg    string `json:"alg"`
		Token  string `json:"token"`
		Expect string `json:"expect"` // ok, expired or invalid
		UserID string `json:"user_id"`
	} `json:"tokens"`
}

func readCrosslib(t *testing.T, lib string) (jwksBody []byte, toks crosslibTokens) {
	t.Helper()
	jwksBody, err := os.ReadFile(filepath.Join(crosslibDir, lib+"-jwks.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(crosslibDir, lib+"-algs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &toks); err != nil {
		t.Fatal(err)
	}
	return jwksBody, toks
}

// tlsProviders serves the configuration and JWK Set of several issuers
// over TLS, each https://<host> by the request's Host, and returns an
// HTTP client that reaches every host at the test server.
func tlsProviders(t *testing.T, sets map[string]*atomic.Pointer[[]byte]) *http.Client {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set, ok := sets[r.Host]
		switch {
		case !ok:
			http.NotFound(w, r)
		case r.URL.Path == wellKnownConfiguration:
			fmt.Fprintf(w, `{"issuer":"https://%[1]s","jwks_uri":"https://%[1]s/keys","response_types_supported":["code"]}`, r.Host)
		case r.URL.Path == "/keys":
			w.Header().Set("Content-Type", "application/jwk-set+json")
			w.Write(*set.Load())
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: tr.TLSClientConfig.RootCAs, ServerName: "example.com"} // the test certificate's name
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func bytesPtr(b []byte) *atomic.Pointer[[]byte] {
	var p atomic.Pointer[[]byte]
	p.Store(&b)
	return &p
}

// TestIssuersCrossLib verifies, through discovery over https, the tokens
// node jose and PyJWT signed with every asymmetric algorithm, each
// against the verdict it must get. The tokens all claim
// https://issuer.test; PyJWT's keys are first published by another
// configured issuer only, and its tokens are refused, however valid;
// once issuer.test publishes them as well (a rotation at the foreign
// issuer), they verify, and jose's keep verifying.
func TestIssuersCrossLib(t *testing.T) {
	joseSet, jose := readCrosslib(t, "jose")
	pySet, py := readCrosslib(t, "pyjwt")
	if jose.Issuer != "https://issuer.test" || py.Issuer != jose.Issuer || py.Now != jose.Now {
		t.Fatalf("crosslib data: issuers %q and %q at %d and %d, want https://issuer.test at one instant", jose.Issuer, py.Issuer, jose.Now, py.Now)
	}
	both := mergeSets(t, joseSet, pySet)
	main := bytesPtr(joseSet)
	client := tlsProviders(t, map[string]*atomic.Pointer[[]byte]{"issuer.test": main, "other.test": bytesPtr(pySet)})

	clock := testkit.NewClock(time.Unix(jose.Now, 0))
	errs := &errorLog{}
	is, err := newIssuers([]string{"https://issuer.test", "https://other.test"}, RemoteOptions{HTTPClient: client, OnFetchError: errs.add}, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(is.Close)
	m, err := session.New(is, session.Options{Clock: clock.Now, Audience: []string{jose.Aud}})
	if err != nil {
		t.Fatal(err)
	}
	if err := is.Ready(context.Background()); err != nil {
		t.Fatalf("Ready: %v", err)
	}

	check := func(t *testing.T, lib crosslibTokens, foreign bool) {
		n := 0
		for _, tc := range lib.Tokens {
			if strings.HasPrefix(tc.Alg, "HS") {
				continue // a published set holds no secrets
			}
			n++
			t.Run(lib.Library+"/"+tc.Name, func(t *testing.T) {
				want := map[string]error{"ok": nil, "expired": session.ErrExpired, "invalid": session.ErrInvalid}[tc.Expect]
				if foreign {
					want = session.ErrInvalid
				}
				c, err := m.Verify(context.Background(), tc.Token)
				switch {
				case want == nil && err != nil:
					t.Fatalf("got %v, want it verified", err)
				case want == nil && c.UserID != tc.UserID:
					t.Fatalf("user id: got %q, want %q", c.UserID, tc.UserID)
				case want != nil && !errors.Is(err, want):
					t.Fatalf("got %v, want %v", err, want)
				}
			})
		}
		if n < 30 {
			t.Errorf("%s: %d asymmetric tokens, want every algorithm's", lib.Library, n)
		}
	}
	check(t, jose, false)
	check(t, py, true) // signed by keys of other.test, claiming issuer.test

	main.Store(&both)
	clock.Advance(time.Minute) // past the refetch cooldown
	check(t, py, false)
	check(t, jose, false)
}

// mergeSets returns the JWK Set holding the keys of a and b.
func mergeSets(t *testing.T, a, b []byte) []byte {
	t.Helper()
	var sa, sb struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(a, &sa); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sb); err != nil {
		t.Fatal(err)
	}
	sa.Keys = append(sa.Keys, sb.Keys...)
	out, err := json.Marshal(sa)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
