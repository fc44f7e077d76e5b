package jwks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// TestIssuersVerify: the tokens of each configured issuer verify with
// that issuer's keys only. Both issuers publish the same kid, so a token
// signed by one but claiming the other would verify if the key were
// chosen by kid alone.
func TestIssuersVerify(t *testing.T) {
	clock := newTestClock()
	a := newFakeIssuer(t, clock, "", newES256(t, "k"))
	b := newFakeIssuer(t, clock, "/tenant/", newES256(t, "k"))
	f := newIssuersFixture(t, clock, RemoteOptions{}, a.issuer, b.issuer)
	if err := f.issuers.Ready(context.Background()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	other := newFakeIssuer(t, clock, "", newES256(t, "k"))
	for _, tt := range []struct {
		name  string
		token string
		want  error
	}{
		{"A's token", a.issue(nil), nil},
		{"B's token, issuer with a path and a trailing slash", b.issue(nil), nil},
		{"signed by A, claiming B", a.issue(a.manager(clock, b.issuer)), session.ErrInvalid},
		{"signed by B, claiming A", b.issue(b.manager(clock, a.issuer)), session.ErrInvalid},
		{"an issuer not configured", other.issue(nil), session.ErrInvalid},
		{"signed by A, no iss", a.issue(a.manager(clock, "")), session.ErrInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := f.verify(tt.token)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	if got := f.issuers.IDs(b.issuer); !slices.Equal(got, []string{"k"}) {
		t.Errorf("IDs of B: got %v, want [k]", got)
	}
	if n := other.discoveries.Load(); n != 0 {
		t.Errorf("a token naming another issuer made %d requests to it, want 0", n)
	}
}

// TestIssuersRefusedConfiguration: a configuration that names another
// issuer, or is not what the specification asks, gives no keys: the
// issuer's tokens are unavailable (503), not invalid, and the refusal is
// reported.
func TestIssuersRefusedConfiguration(t *testing.T) {
	for _, tt := range []struct {
		name, config string // %[1]s is the issuer, %[2]s its JWK Set
		opts         RemoteOptions
		want         string
	}{
		{"another issuer", `{"issuer":"https://evil.example","jwks_uri":"%[2]s"}`, RemoteOptions{}, "names issuer"},
		{"issuer with a trailing slash", `{"issuer":"%[1]s/","jwks_uri":"%[2]s"}`, RemoteOptions{}, "names issuer"},
		{"issuer in another case", `{"issuer":"%[1]s","jwks_uri":"%[2]s"}`, RemoteOptions{}, "names issuer"},
		{"issuer not a string", `{"issuer":["%[1]s"],"jwks_uri":"%[2]s"}`, RemoteOptions{}, "not a string"},
		{"jwks_uri not a string", `{"issuer":"%[1]s","jwks_uri":{"url":"%[2]s"}}`, RemoteOptions{}, "not a string"},
		{"issuer twice", `{"issuer":"https://evil.example","issuer":"%[1]s","jwks_uri":"%[2]s"}`, RemoteOptions{}, "duplicate"},
		{"no jwks_uri", `{"issuer":"%[1]s"}`, RemoteOptions{}, "no \"jwks_uri\""},
		{"not an object", `["%[1]s","%[2]s"]`, RemoteOptions{}, "not a valid JSON object"},
		{"trailing data", `{"issuer":"%[1]s","jwks_uri":"%[2]s"}{}`, RemoteOptions{}, "after its JSON object"},
		{"jwks_uri over plain http", `{"issuer":"%[1]s","jwks_uri":"http://keys.example/jwks"}`, RemoteOptions{}, "plain http"},
		{"oversized", `{"issuer":"%[1]s","jwks_uri":"%[2]s","pad":"` + strings.Repeat("x", 300) + `"}`, RemoteOptions{MaxSize: 256}, "limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := newTestClock()
			a := newFakeIssuer(t, clock, "", newES256(t, "k"))
			config := fmt.Sprintf(tt.config, a.issuer, a.srv.URL+"/jwks")
			if tt.name == "issuer in another case" {
				config = strings.Replace(config, "http://", "HTTP://", 1)
			}
			a.set(func(a *fakeIssuer) { a.config = config })
			f := newIssuersFixture(t, clock, tt.opts, a.issuer)
			err := f.issuers.Ready(context.Background())
			if !errors.Is(err, session.ErrUnavailable) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Ready: got %v, want ErrUnavailable saying %q", err, tt.want)
			}
			if err := f.verify(a.issue(nil)); !errors.Is(err, session.ErrUnavailable) {
				t.Errorf("token: got %v, want ErrUnavailable", err)
			}
			if log := f.errs.text(); !strings.Contains(log, tt.want) {
				t.Errorf("reported: got %s, want an error saying %q", log, tt.want)
			}
		})
	}
}

// TestIssuersOutageAtStart: with the issuer down at start, its tokens are
// unavailable; discovery is tried again on demand at most once per
// cooldown, and once the issuer is back its tokens verify, without a
// restart.
func TestIssuersOutageAtStart(t *testing.T) {
	clock := newTestClock()
	a := newFakeIssuer(t, clock, "", newES256(t, "k"))
	a.set(func(a *fakeIssuer) { a.down = true })
	f := newIssuersFixture(t, clock, RemoteOptions{RefetchCooldown: 30 * time.Second}, a.issuer)
	tok := a.issue(nil)
	if err := f.issuers.Ready(context.Background()); !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("Ready while down: got %v, want ErrUnavailable", err)
	}
	if err := f.verify(tok); !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("token while down: got %v, want ErrUnavailable", err)
	}
	a.set(func(a *fakeIssuer) { a.down = false })
	if err := f.verify(tok); !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("token within the cooldown: got %v, want ErrUnavailable", err)
	}
	if n := a.discoveries.Load(); n != 0 {
		t.Fatalf("discoveries within the cooldown: got %d, want 0", n)
	}
	clock.Advance(31 * time.Second)
	if err := f.verify(tok); err != nil {
		t.Fatalf("token after the cooldown: got %v, want it verified", err)
	}
	if err := f.issuers.Ready(context.Background()); err != nil {
		t.Fatalf("Ready after recovery: %v", err)
	}
}

// TestIssuersRotation: a key the foreign issuer adds is learnt on the
// first token that names it, and the tokens of the previous key keep
// verifying while it is published.
func TestIssuersRotation(t *testing.T) {
	clock := newTestClock()
	a := newFakeIssuer(t, clock, "", newES256(t, "k1"))
	f := newIssuersFixture(t, clock, RemoteOptions{}, a.issuer)
	old := a.issue(nil)
	if err := f.verify(old); err != nil {
		t.Fatal(err)
	}
	if err := a.ks.Add(newES256(t, "k2")); err != nil {
		t.Fatal(err)
	}
	if err := a.ks.Activate("k2"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if err := f.verify(a.issue(nil)); err != nil {
		t.Fatalf("token of the new key: got %v, want it verified", err)
	}
	if err := f.verify(old); err != nil {
		t.Fatalf("token of the previous key, still published: got %v", err)
	}
	if got := f.issuers.IDs(a.issuer); !slices.Equal(got, []string{"k1", "k2"}) {
		t.Errorf("IDs: got %v, want [k1 k2]", got)
	}
}

// TestIssuersJWKSURIMoves: a new discovery that names another jwks_uri
// moves to it once its set is fetched, and keeps the last good keys when
// it gives none.
func TestIssuersJWKSURIMoves(t *testing.T) {
	clock := newTestClock()
	a := newFakeIssuer(t, clock, "", newES256(t, "k1"))
	f := newIssuersFixture(t, clock, RemoteOptions{}, a.issuer)
	old := a.issue(nil)
	if err := f.verify(old); err != nil {
		t.Fatal(err)
	}
	ik := f.issuers.byIssuer[a.issuer]

	a.set(func(a *fakeIssuer) { a.jwksPath = "/missing" })
	if err := f.issuers.discover(ik); err == nil || !strings.Contains(err.Error(), "keeping the keys") {
		t.Fatalf("move to a missing set: got %v, want the old keys kept", err)
	}
	if err := f.verify(old); err != nil {
		t.Fatalf("after a failed move: got %v, want the old keys", err)
	}

	ks2, err := session.NewKeySet(newES256(t, "n1"))
	if err != nil {
		t.Fatal(err)
	}
	publish2, err := Handler(ks2, HandlerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a.set(func(a *fakeIssuer) { a.jwksPath, a.sets["/jwks2"] = "/jwks2", publish2 })
	if err := f.issuers.discover(ik); err != nil {
		t.Fatalf("move to /jwks2: %v", err)
	}
	m2, err := session.New(ks2, session.Options{Clock: clock.Now, Issuer: a.issuer})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.verify(a.issue(m2)); err != nil {
		t.Errorf("token of the moved set: got %v, want it verified", err)
	}
	if err := f.verify(old); !errors.Is(err, session.ErrInvalid) {
		t.Errorf("token of a key no longer published: got %v, want ErrInvalid", err)
	}
}

// TestNewIssuersRefuses: NewIssuers refuses issuers that discovery could
// not use safely.
func TestNewIssuersRefuses(t *testing.T) {
	for _, tt := range []struct {
		name    string
		issuers []string
		opts    RemoteOptions
		want    string
	}{
		{"none", nil, RemoteOptions{}, "at least one"},
		{"plain http", []string{"http://idp.example"}, RemoteOptions{}, "plain http"},
		{"relative", []string{"idp.example"}, RemoteOptions{}, "not absolute"},
		{"query", []string{"https://idp.example/?tenant=1"}, RemoteOptions{}, "query"},
		{"fragment", []string{"https://idp.example/#x"}, RemoteOptions{}, "fragment"},
		{"twice", []string{"https://idp.example", "https://idp.example"}, RemoteOptions{}, "twice"},
		{"bad options", []string{"https://idp.example"}, RemoteOptions{RefreshEvery: time.Millisecond}, "refresh interval"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			is, err := NewIssuers(tt.issuers, tt.opts)
			if err == nil {
				is.Close()
				t.Fatalf("got no error, want one saying %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want it to say %q", err, tt.want)
			}
		})
	}
	is, err := NewIssuers([]string{"http://idp.internal"}, RemoteOptions{InsecureHTTP: true})
	if err != nil {
		t.Fatalf("plain http with InsecureHTTP: %v", err)
	}
	is.Close()
}
