package session_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// issuerKeys is a Keys of several issuers' verification keys, by issuer
// and kid, that records what the Manager asks it.
type issuerKeys struct {
	mu    sync.Mutex
	keys  map[string]map[string]session.Key
	asked [][2]string // issuer, kid
}

func (k *issuerKeys) SigningKey() (session.Key, bool) { return session.Key{}, false }

func (k *issuerKeys) VerificationKey(_ context.Context, issuer, kid string) (session.Key, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.asked = append(k.asked, [2]string{issuer, kid})
	if key, ok := k.keys[issuer][kid]; ok {
		return key, nil
	}
	return session.Key{}, session.ErrInvalid
}

func (k *issuerKeys) set(issuer, kid string, key session.Key) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys[issuer][kid] = key
}

func (k *issuerKeys) lastAsked() [2]string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.asked) == 0 {
		return [2]string{}
	}
	return k.asked[len(k.asked)-1]
}

func (k *issuerKeys) asks() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.asked)
}

// TestKeysByIssuer: the Manager asks its keys for the key of the token's
// iss and kid, so that the same kid at two issuers never lets one
// issuer's key verify a token claiming the other.
func TestKeysByIssuer(t *testing.T) {
	const issA, issB = "https://a.test", "https://b.test"
	secretA, secretB := newSecret(t), newSecret(t)
	clock := newClock(time.Unix(1_700_000_000, 0))
	keys := &issuerKeys{keys: map[string]map[string]session.Key{
		issA: {"k": session.HS256(secretA)},
		issB: {"k": session.HS256(secretB)},
	}}
	m, err := session.New(keys, session.Options{Clock: clock.Now, UserIDClaim: "sub", VerifiedTokenCache: 16})
	if err != nil {
		t.Fatal(err)
	}
	exp := unix(clock.Now().Add(time.Minute))
	token := func(secret []byte, iss string) string {
		return signToken(secret, `{"alg":"HS256","kid":"k"}`, `{"sub":"u","iss":"`+iss+`","exp":`+exp+`}`)
	}
	for _, tt := range []struct {
		name   string
		token  string
		want   error
		wantAs [2]string
	}{
		{"A signs for A", token(secretA, issA), nil, [2]string{issA, "k"}},
		{"B signs for B", token(secretB, issB), nil, [2]string{issB, "k"}},
		{"A signs claiming B", token(secretA, issB), session.ErrInvalid, [2]string{issB, "k"}},
		{"B signs claiming A", token(secretB, issA), session.ErrInvalid, [2]string{issA, "k"}},
		{"unknown issuer", token(secretA, "https://c.test"), session.ErrInvalid, [2]string{"https://c.test", "k"}},
		{"no issuer", signToken(secretA, `{"alg":"HS256","kid":"k"}`, `{"sub":"u","exp":`+exp+`}`), session.ErrInvalid, [2]string{"", "k"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Verify(context.Background(), tt.token)
			checkErr(t, err, tt.want)
			if got := keys.lastAsked(); got != tt.wantAs {
				t.Errorf("keys asked for %q, want %q", got, tt.wantAs)
			}
		})
	}

	// The verified-token cache looks the key up by the token's iss and
	// kid too: replacing A's key drops A's cached tokens, not B's.
	tokA, tokB := token(secretA, issA), token(secretB, issB)
	for _, tok := range []string{tokA, tokB} {
		mustVerify(t, m, tok)
	}
	keys.set(issA, "k", session.HS256(newSecret(t)))
	if _, err := m.Verify(context.Background(), tokA); !errors.Is(err, session.ErrInvalid) {
		t.Errorf("A's token after A's key changed: got %v, want ErrInvalid", err)
	}
	before := keys.asks()
	mustVerify(t, m, tokB)
	if n, got := keys.asks()-before, keys.lastAsked(); n != 1 || got != [2]string{issB, "k"} {
		t.Errorf("cached token of B: keys asked %d times, last for %q; want once, for B's key", n, got)
	}
}

// TestAudiences: issued tokens carry every configured audience (one as a
// string, several as an array), and verification needs one of them.
func TestAudiences(t *testing.T) {
	secret := newSecret(t)
	clock := newClock(time.Unix(1_700_000_000, 0))
	exp := unix(clock.Now().Add(time.Minute))
	withAud := func(aud string) string {
		if aud != "" {
			aud = `,"aud":` + aud
		}
		return signToken(secret, `{"alg":"HS256"}`, `{"user_id":"u","exp":`+exp+aud+`}`)
	}
	two := newManager(t, secret, clock, session.Options{Audience: []string{"api", "admin"}})
	one := newManager(t, secret, clock, session.Options{Audience: []string{"api"}})
	none := newManager(t, secret, clock, session.Options{})

	for _, tt := range []struct {
		name    string
		m       *session.Manager
		wantAud any
	}{
		{"two audiences: an array", two, []any{"api", "admin"}},
		{"one audience: a string", one, "api"},
		{"none: no aud", none, nil},
	} {
		t.Run("issued/"+tt.name, func(t *testing.T) {
			got := payloadOf(t, issue(t, tt.m, "u", nil).Value)["aud"]
			if !jsonEqual(got, tt.wantAud) {
				t.Errorf("aud: got %#v, want %#v", got, tt.wantAud)
			}
		})
	}
	for _, tt := range []struct {
		name string
		m    *session.Manager
		aud  string
		want error
	}{
		{"first of two", two, `"api"`, nil},
		{"second of two", two, `"admin"`, nil},
		{"array holding the second", two, `["other","admin"]`, nil},
		{"another audience", two, `"other"`, session.ErrInvalid},
		{"array of others", two, `["other","more"]`, session.ErrInvalid},
		{"no aud with audiences configured", two, ``, session.ErrInvalid},
		{"one configured, not the other", one, `"admin"`, session.ErrInvalid},
		{"aud with none configured", none, `"api"`, session.ErrInvalid},
		{"no aud, none configured", none, ``, nil},
	} {
		t.Run("verify/"+tt.name, func(t *testing.T) {
			_, err := tt.m.Verify(context.Background(), withAud(tt.aud))
			checkErr(t, err, tt.want)
		})
	}
	if _, err := session.New(session.HS256(secret), session.Options{Audience: []string{"api", ""}}); err == nil {
		t.Error("an empty audience: got no error from New")
	}
}

// TestTypHeader: Options.Typ decides whether RFC 9068 access tokens (typ
// at+jwt) are refused, accepted, or required.
func TestTypHeader(t *testing.T) {
	secret := newSecret(t)
	clock := newClock(time.Unix(1_700_000_000, 0))
	exp := unix(clock.Now().Add(time.Minute))
	verifier := func(typ session.TypHeader) *session.Manager {
		keys := &funcKeys{verify: func(string) (session.Key, error) { return session.HS256(secret), nil }}
		m, err := session.New(keys, session.Options{Clock: clock.Now, Typ: typ, UserIDClaim: "sub"})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	managers := map[session.TypHeader]*session.Manager{
		session.TypJWT:              verifier(session.TypJWT),
		session.TypJWTOrAccessToken: verifier(session.TypJWTOrAccessToken),
		session.TypAccessToken:      verifier(session.TypAccessToken),
	}
	payload := `{"sub":"u","exp":` + exp + `,"client_id":"cli","scope":"read write"}`
	for _, tt := range []struct {
		typ  string // header member, "" for none
		want [3]bool
	}{
		{``, [3]bool{true, true, false}},
		{`,"typ":"JWT"`, [3]bool{true, true, false}},
		{`,"typ":"jwt"`, [3]bool{true, true, false}},
		{`,"typ":"at+jwt"`, [3]bool{false, true, true}},
		{`,"typ":"AT+JWT"`, [3]bool{false, true, true}},
		{`,"typ":"application/at+jwt"`, [3]bool{false, true, true}},
		{`,"typ":"dpop+jwt"`, [3]bool{false, false, false}},
		{`,"typ":"at+jwt "`, [3]bool{false, false, false}},
	} {
		tok := signToken(secret, `{"alg":"HS256"`+tt.typ+`}`, payload)
		for i, typ := range []session.TypHeader{session.TypJWT, session.TypJWTOrAccessToken, session.TypAccessToken} {
			c, err := managers[typ].Verify(context.Background(), tok)
			if got := err == nil; got != tt.want[i] {
				t.Errorf("typ header %q, Options.Typ %d: got error %v, want accepted %v", tt.typ, typ, err, tt.want[i])
				continue
			}
			if err != nil {
				checkErr(t, err, session.ErrInvalid)
				continue
			}
			if cid, _ := c.Claim("client_id"); cid != `"cli"` {
				t.Errorf("client_id: got %s, want \"cli\"", cid)
			}
		}
	}
	if _, err := session.New(session.HS256(secret), session.Options{Typ: session.TypAccessToken}); err == nil {
		t.Error("TypAccessToken with a signing key: got no error from New")
	}
	if _, err := session.New(session.HS256(secret), session.Options{Typ: session.TypHeader(7)}); err == nil {
		t.Error("Options.Typ 7: got no error from New")
	}
	// A Manager that signs and accepts access tokens still verifies its own.
	m := newManager(t, secret, clock, session.Options{Typ: session.TypJWTOrAccessToken})
	mustVerify(t, m, issue(t, m, "u", nil).Value)
}
