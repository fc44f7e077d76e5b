package session_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

func TestIssueVerifyRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		opts     session.Options
		extra    map[string]any
		wantIss  string
		wantAud  []string
		wantTTL  time.Duration
		wantWire []string // claim names that must be on the wire
		noWire   []string // claim names that must not be
	}{
		{
			name:     "defaults",
			wantTTL:  defaultTTL,
			wantWire: []string{"user_id", "sid", "jti", "iat", "exp", "auth_time"},
			noWire:   []string{"iss", "aud", "nbf", "sub"},
		},
		{
			name:     "issuer and audience",
			opts:     session.Options{Issuer: "https://issuer.test", Audience: []string{"api"}, TTL: 5 * time.Minute},
			wantIss:  "https://issuer.test",
			wantAud:  []string{"api"},
			wantTTL:  5 * time.Minute,
			wantWire: []string{"user_id", "sid", "jti", "iat", "exp", "auth_time", "iss", "aud"},
		},
		{
			name:     "application claims",
			extra:    map[string]any{"role": "admin", "n": 3, "tags": []string{"a", "b"}, "org": map[string]any{"id": 7}},
			wantTTL:  defaultTTL,
			wantWire: []string{"user_id", "role", "n", "tags", "org"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(t0)
			m := newManager(t, newSecret(t), clock, tt.opts)
			tok := issue(t, m, "user-42", tt.extra)
			c := mustVerify(t, m, tok.Value)

			if c.UserID != "user-42" {
				t.Errorf("UserID: got %q, want %q", c.UserID, "user-42")
			}
			if c.SessionID == "" || c.SessionID != tok.Claims.SessionID {
				t.Errorf("SessionID: got %q, want the issued %q (non-empty)", c.SessionID, tok.Claims.SessionID)
			}
			if c.TokenID != tok.Claims.TokenID {
				t.Errorf("TokenID: got %q, want the issued %q", c.TokenID, tok.Claims.TokenID)
			}
			for name, id := range map[string]string{"jti": c.TokenID, "sid": c.SessionID} {
				raw, err := base64.RawURLEncoding.DecodeString(id)
				if err != nil || len(raw) != 16 {
					t.Errorf("%s %q: got %d bytes (err %v), want 16 random bytes", name, id, len(raw), err)
				}
			}
			if !c.IssuedAt.Equal(t0) {
				t.Errorf("IssuedAt: got %v, want %v", c.IssuedAt, t0)
			}
			if want := t0.Add(tt.wantTTL); !c.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt: got %v, want %v", c.ExpiresAt, want)
			}
			if !c.AuthTime.Equal(t0) {
				t.Errorf("AuthTime: got %v, want %v", c.AuthTime, t0)
			}
			if !c.NotBefore.IsZero() {
				t.Errorf("NotBefore: got %v, want zero", c.NotBefore)
			}
			if c.Issuer != tt.wantIss {
				t.Errorf("Issuer: got %q, want %q", c.Issuer, tt.wantIss)
			}
			if !slices.Equal(c.Audience(), tt.wantAud) {
				t.Errorf("Audience: got %q, want %q", c.Audience(), tt.wantAud)
			}
			if tok.ExpiresIn != tt.wantTTL {
				t.Errorf("ExpiresIn: got %v, want %v", tok.ExpiresIn, tt.wantTTL)
			}
			if !c.Renewable() {
				t.Errorf("Renewable: got false, want true for an issued token")
			}
			if len(session.Extra(c)) != len(tt.extra) {
				t.Errorf("Extra: got %d claims %v, want %d", len(session.Extra(c)), session.Extra(c), len(tt.extra))
			}
			for name, v := range tt.extra {
				want, _ := json.Marshal(v)
				if got := string(session.Extra(c)[name]); got != string(want) {
					t.Errorf("Extra[%q]: got %s, want %s", name, got, want)
				}
			}

			wire := payloadOf(t, tok.Value)
			for _, name := range tt.wantWire {
				if _, ok := wire[name]; !ok {
					t.Errorf("payload %v: claim %q missing", wire, name)
				}
			}
			for _, name := range tt.noWire {
				if _, ok := wire[name]; ok {
					t.Errorf("payload %v: claim %q present, want absent", wire, name)
				}
			}
			if got := wire["user_id"]; got != "user-42" {
				t.Errorf("payload user_id: got %#v, want the string %q", got, "user-42")
			}
			if got, want := fmt.Sprint(wire["exp"]), unix(t0.Add(tt.wantTTL)); got != want {
				t.Errorf("payload exp: got %s, want %s", got, want)
			}
		})
	}
}

func TestIssueIDsUnique(t *testing.T) {
	m := newManager(t, newSecret(t), newClock(t0), session.Options{})
	const n = 500
	jtis := make(map[string]bool, n)
	sids := make(map[string]bool, n)
	for range n {
		c := issue(t, m, "u", nil).Claims
		if jtis[c.TokenID] {
			t.Fatalf("jti %q issued twice", c.TokenID)
		}
		if sids[c.SessionID] {
			t.Fatalf("sid %q issued twice", c.SessionID)
		}
		jtis[c.TokenID], sids[c.SessionID] = true, true
	}
	// A renewal keeps the sid but never the jti.
	tok := issue(t, m, "u", nil)
	next, err := m.Renew(context.Background(), mustVerify(t, m, tok.Value))
	if err != nil {
		t.Fatalf("Renew: %v", err)
	}
	if next.Claims.TokenID == tok.Claims.TokenID || jtis[next.Claims.TokenID] {
		t.Fatalf("renewed jti %q: got a repeated id, want a new one", next.Claims.TokenID)
	}
}

func TestNewErrors(t *testing.T) {
	secret := newSecret(t)
	tests := []struct {
		name    string
		key     session.Key
		opts    session.Options
		wantErr string // substring saying what to fix; "" means success
	}{
		{name: "32-byte secret", key: session.HS256(secret)},
		{name: "31-byte secret", key: session.HS256(secret[:31]), wantErr: "32"},
		{name: "empty secret", key: session.HS256(nil), wantErr: "32"},
		{name: "zero key", key: session.Key{}, wantErr: "session.HS256"},
		{name: "TTL one second", key: session.HS256(secret), opts: session.Options{TTL: time.Second}},
		{name: "TTL below one second", key: session.HS256(secret), opts: session.Options{TTL: 999 * time.Millisecond}, wantErr: "Options.TTL is 999ms; it must be at least one second"},
		{name: "TTL negative", key: session.HS256(secret), opts: session.Options{TTL: -time.Hour}, wantErr: "at least one second"},
		{name: "renew threshold equal to TTL", key: session.HS256(secret), opts: session.Options{TTL: time.Minute, RenewWithin: time.Minute}},
		{name: "renew threshold above TTL", key: session.HS256(secret), opts: session.Options{TTL: time.Minute, RenewWithin: time.Minute + time.Second}, wantErr: "at most the TTL"},
		{name: "renew threshold negative", key: session.HS256(secret), opts: session.Options{RenewWithin: -time.Second}, wantErr: "Options.RenewWithin"},
		{name: "max lifetime equal to TTL", key: session.HS256(secret), opts: session.Options{TTL: time.Hour, MaxLifetime: time.Hour}},
		{name: "max lifetime below TTL", key: session.HS256(secret), opts: session.Options{TTL: time.Hour, MaxLifetime: time.Hour - time.Second}, wantErr: "at least the TTL"},
		{name: "negative leeway", key: session.HS256(secret), opts: session.Options{Leeway: -time.Second}, wantErr: "Options.Leeway is -1s; it must not be negative"},
		{name: "leeway at the maximum", key: session.HS256(secret), opts: session.Options{Leeway: maxLeeway}},
		{name: "leeway above the maximum", key: session.HS256(secret), opts: session.Options{Leeway: maxLeeway + time.Second}, wantErr: "at most " + maxLeeway.String()},
		{name: "user id claim sub", key: session.HS256(secret), opts: session.Options{UserIDClaim: "sub"}},
		{name: "user id claim application name", key: session.HS256(secret), opts: session.Options{UserIDClaim: "uid"}},
		{name: "user id claim exp", key: session.HS256(secret), opts: session.Options{UserIDClaim: "exp"}, wantErr: "registered claim"},
		{name: "user id claim SID", key: session.HS256(secret), opts: session.Options{UserIDClaim: "SID"}, wantErr: "registered claim"},
		{name: "user id claim Sub", key: session.HS256(secret), opts: session.Options{UserIDClaim: "Sub"}, wantErr: "registered claim"},
		{name: "user id claim with NUL", key: session.HS256(secret), opts: session.Options{UserIDClaim: "u\x00"}, wantErr: "Options.UserIDClaim"},
		{name: "max token size too small", key: session.HS256(secret), opts: session.Options{MaxTokenSize: 100}, wantErr: "at least 256"},
		{name: "issuer invalid UTF-8", key: session.HS256(secret), opts: session.Options{Issuer: "\xff"}, wantErr: "issuer"},
		{name: "audience with NUL", key: session.HS256(secret), opts: session.Options{Audience: []string{"a\x00"}}, wantErr: "audience"},
		{name: "key id with NUL", key: session.HS256(secret).WithID("k\x00"), wantErr: "key id"},
		{name: "zero options", key: session.HS256(secret), opts: session.Options{}},
		{name: "max lifetime negative", key: session.HS256(secret), opts: session.Options{MaxLifetime: -time.Hour}, wantErr: "Options.MaxLifetime"},
		{name: "max token size negative", key: session.HS256(secret), opts: session.Options{MaxTokenSize: -1}, wantErr: "Options.MaxTokenSize"},
		{name: "verified-token cache off", key: session.HS256(secret), opts: session.Options{VerifiedTokenCache: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := session.New(tt.key, tt.opts)
			if tt.wantErr == "" {
				if err != nil || m == nil {
					t.Fatalf("got (%v, %v), want a Manager and no error", m, err)
				}
				return
			}
			if err == nil || m != nil {
				t.Fatalf("got (%v, %v), want no Manager and an error mentioning %q", m, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %q, want it to mention %q", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "session: ") {
				t.Fatalf("got error %q, want the package prefix", err)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	m, err := session.New(session.HS256(newSecret(t)), session.Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if got := m.TTL(); got != defaultTTL {
		t.Errorf("TTL: got %v, want %v", got, defaultTTL)
	}
	if got, want := m.RenewWithin(), defaultTTL/3; got != want {
		t.Errorf("RenewWithin: got %v, want %v", got, want)
	}
	if got := m.MaxLifetime(); got != defaultMaxLifetime {
		t.Errorf("MaxLifetime: got %v, want %v", got, defaultMaxLifetime)
	}
}

func TestIssueRejects(t *testing.T) {
	tests := []struct {
		name   string
		opts   session.Options
		userID string
		extra  map[string]any
		ok     bool
	}{
		{name: "plain user id", userID: "123", ok: true},
		{name: "unicode user id", userID: "ünïcødé", ok: true},
		{name: "empty user id", userID: ""},
		{name: "invalid UTF-8 user id", userID: "a\xffb"},
		{name: "NUL in user id", userID: "a\x00b"},
		{name: "application claim", userID: "u", extra: map[string]any{"role": "admin"}, ok: true},
		{name: "application claim with control characters", userID: "u", extra: map[string]any{"note": "a\nb\x7f\"\\"}, ok: true},
		{name: "claim exp", userID: "u", extra: map[string]any{"exp": 1}},
		{name: "claim EXP", userID: "u", extra: map[string]any{"EXP": 1}},
		{name: "claim Iat", userID: "u", extra: map[string]any{"Iat": 1}},
		{name: "claim nbf", userID: "u", extra: map[string]any{"nbf": 1}},
		{name: "claim jti", userID: "u", extra: map[string]any{"jti": "x"}},
		{name: "claim sid", userID: "u", extra: map[string]any{"sid": "x"}},
		{name: "claim SID", userID: "u", extra: map[string]any{"SID": "x"}},
		{name: "claim auth_time", userID: "u", extra: map[string]any{"auth_time": 1}},
		{name: "claim Auth_Time", userID: "u", extra: map[string]any{"Auth_Time": 1}},
		{name: "claim iss", userID: "u", extra: map[string]any{"iss": "x"}},
		{name: "claim aud", userID: "u", extra: map[string]any{"aud": "x"}},
		{name: "claim sub", userID: "u", extra: map[string]any{"sub": "x"}},
		{name: "claim user_id", userID: "u", extra: map[string]any{"user_id": "x"}},
		{name: "claim USER_ID", userID: "u", extra: map[string]any{"USER_ID": "x"}},
		{name: "claim named as custom user id claim", opts: session.Options{UserIDClaim: "uid"}, userID: "u", extra: map[string]any{"uid": "x"}},
		{name: "claim case variant of custom user id claim", opts: session.Options{UserIDClaim: "uid"}, userID: "u", extra: map[string]any{"UID": "x"}},
		{name: "empty claim name", userID: "u", extra: map[string]any{"": 1}},
		{name: "invalid UTF-8 claim name", userID: "u", extra: map[string]any{"\xff": 1}},
		{name: "unencodable value", userID: "u", extra: map[string]any{"ch": make(chan int)}},
		{name: "value with NUL", userID: "u", extra: map[string]any{"s": "a\x00b"}},
		{name: "value nested too deeply", userID: "u", extra: map[string]any{"deep": nested(40)}},
		{name: "value nested moderately", userID: "u", extra: map[string]any{"deep": nested(10)}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, newSecret(t), newClock(t0), tt.opts)
			tok, err := m.Issue(context.Background(), tt.userID, tt.extra)
			if !tt.ok {
				if err == nil || tok != nil {
					t.Fatalf("got (%v, %v), want no token and an error", tok, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want a token", err)
			}
			// Whatever Issue accepts, Verify must accept and read back.
			c := mustVerify(t, m, tok.Value)
			if c.UserID != tt.userID {
				t.Fatalf("UserID: got %q, want %q", c.UserID, tt.userID)
			}
			for name, v := range tt.extra {
				want, _ := json.Marshal(v)
				if string(session.Extra(c)[name]) != string(want) {
					t.Fatalf("Extra[%q]: got %s, want %s", name, session.Extra(c)[name], want)
				}
			}
		})
	}
}

// nested returns depth levels of nested arrays around a number.
func nested(depth int) any {
	var v any = 1
	for range depth - 1 {
		v = []any{v}
	}
	return v
}

func TestVerifyExpiredVersusInvalid(t *testing.T) {
	secret := newSecret(t)
	clock := newClock(t0)
	m := newManager(t, secret, clock, session.Options{TTL: time.Minute})
	good := issue(t, m, "u", nil).Value
	other := newManager(t, newSecret(t), clock, session.Options{TTL: time.Minute})
	foreign := issue(t, other, "u", nil).Value
	payload := strings.Split(good, ".")[1]

	tests := []struct {
		name  string
		token string
		at    time.Time
		want  error
	}{
		{name: "valid", token: good, at: t0},
		{name: "expired", token: good, at: t0.Add(2 * time.Minute), want: session.ErrExpired},
		{name: "wrong key", token: foreign, at: t0, want: session.ErrInvalid},
		{name: "wrong key and expired", token: foreign, at: t0.Add(2 * time.Minute), want: session.ErrInvalid},
		{name: "tampered payload", token: strings.Replace(good, payload, b64(`{"user_id":"admin","exp":9999999999}`), 1), at: t0, want: session.ErrInvalid},
		{name: "garbage", token: "not a token", at: t0, want: session.ErrInvalid},
		{name: "empty", token: "", at: t0, want: session.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Set(tt.at)
			c, err := verify(m, tt.token)
			checkOnly(t, err, tt.want)
			if err != nil && c != nil {
				t.Fatalf("got claims %+v with error, want nil", c)
			}
		})
	}
}

func TestVerifyExpiryBoundaries(t *testing.T) {
	const ttl = 10 * time.Minute
	exp := t0.Add(ttl)
	tests := []struct {
		name   string
		leeway time.Duration
		at     time.Time
		want   error
	}{
		{name: "issued", at: t0},
		{name: "1s before exp", at: exp.Add(-time.Second)},
		{name: "1ns before exp", at: exp.Add(-time.Nanosecond)},
		{name: "exactly at exp", at: exp, want: session.ErrExpired},
		{name: "after exp", at: exp.Add(time.Second), want: session.ErrExpired},
		{name: "leeway: exp+L-1s", leeway: 30 * time.Second, at: exp.Add(29 * time.Second)},
		{name: "leeway: exactly exp+L", leeway: 30 * time.Second, at: exp.Add(30 * time.Second), want: session.ErrExpired},
		{name: "max leeway: exp+L-1s", leeway: maxLeeway, at: exp.Add(maxLeeway - time.Second)},
		{name: "max leeway: exp+L", leeway: maxLeeway, at: exp.Add(maxLeeway), want: session.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(t0)
			m := newManager(t, newSecret(t), clock, session.Options{TTL: ttl, Leeway: tt.leeway})
			tok := issue(t, m, "u", nil)
			clock.Set(tt.at)
			_, err := verify(m, tok.Value)
			checkOnly(t, err, tt.want)
		})
	}
}

func TestVerifyNotYetValid(t *testing.T) {
	exp := unix(t0.Add(time.Hour))
	tests := []struct {
		name    string
		leeway  time.Duration
		payload string
		want    error
	}{
		{name: "nbf now", payload: `{"user_id":"u","exp":` + exp + `,"nbf":` + unix(t0) + `}`},
		{name: "nbf past", payload: `{"user_id":"u","exp":` + exp + `,"nbf":` + unix(t0.Add(-time.Minute)) + `}`},
		{name: "nbf 1s ahead", payload: `{"user_id":"u","exp":` + exp + `,"nbf":` + unix(t0.Add(time.Second)) + `}`, want: session.ErrNotYetValid},
		{name: "nbf within leeway", leeway: 30 * time.Second, payload: `{"user_id":"u","exp":` + exp + `,"nbf":` + unix(t0.Add(30*time.Second)) + `}`},
		{name: "nbf beyond leeway", leeway: 30 * time.Second, payload: `{"user_id":"u","exp":` + exp + `,"nbf":` + unix(t0.Add(31*time.Second)) + `}`, want: session.ErrNotYetValid},
		{name: "iat now", payload: `{"user_id":"u","exp":` + exp + `,"iat":` + unix(t0) + `}`},
		{name: "iat 1s ahead", payload: `{"user_id":"u","exp":` + exp + `,"iat":` + unix(t0.Add(time.Second)) + `}`, want: session.ErrNotYetValid},
		{name: "iat within leeway", leeway: 30 * time.Second, payload: `{"user_id":"u","exp":` + exp + `,"iat":` + unix(t0.Add(30*time.Second)) + `}`},
		{name: "iat beyond leeway", leeway: 30 * time.Second, payload: `{"user_id":"u","exp":` + exp + `,"iat":` + unix(t0.Add(31*time.Second)) + `}`, want: session.ErrNotYetValid},
		{name: "auth_time ahead", payload: `{"user_id":"u","sid":"s","exp":` + exp + `,"auth_time":` + unix(t0.Add(time.Second)) + `}`, want: session.ErrInvalid},
		{name: "auth_time within leeway", leeway: 30 * time.Second, payload: `{"user_id":"u","sid":"s","exp":` + exp + `,"auth_time":` + unix(t0.Add(30*time.Second)) + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := newSecret(t)
			m := newManager(t, secret, newClock(t0), session.Options{Leeway: tt.leeway})
			_, err := verify(m, signToken(secret, hs256Header, tt.payload))
			checkOnly(t, err, tt.want)
		})
	}
}

func TestVerifyIssuerAudience(t *testing.T) {
	const iss, aud = "https://issuer.test", "api"
	both := session.Options{Issuer: iss, Audience: []string{aud}}
	exp := unix(t0.Add(time.Hour))
	claims := func(more string) string { return `{"user_id":"u","exp":` + exp + more + `}` }
	tests := []struct {
		name    string
		opts    session.Options
		payload string
		want    error
	}{
		{name: "both match", opts: both, payload: claims(`,"iss":"` + iss + `","aud":"` + aud + `"`)},
		{name: "aud array containing it", opts: both, payload: claims(`,"iss":"` + iss + `","aud":["other","` + aud + `"]`)},
		{name: "iss missing", opts: both, payload: claims(`,"aud":"` + aud + `"`), want: session.ErrInvalid},
		{name: "iss mismatched", opts: both, payload: claims(`,"iss":"https://evil.test","aud":"` + aud + `"`), want: session.ErrInvalid},
		{name: "iss differs in case", opts: both, payload: claims(`,"iss":"HTTPS://ISSUER.TEST","aud":"` + aud + `"`), want: session.ErrInvalid},
		{name: "aud missing", opts: both, payload: claims(`,"iss":"` + iss + `"`), want: session.ErrInvalid},
		{name: "aud mismatched", opts: both, payload: claims(`,"iss":"` + iss + `","aud":"other"`), want: session.ErrInvalid},
		{name: "aud array without it", opts: both, payload: claims(`,"iss":"` + iss + `","aud":["other","API"]`), want: session.ErrInvalid},
		{name: "only iss configured", opts: session.Options{Issuer: iss}, payload: claims(`,"iss":"` + iss + `"`)},
		{name: "only aud configured", opts: session.Options{Audience: []string{aud}}, payload: claims(`,"aud":"` + aud + `"`)},
		{name: "not configured: any iss", opts: session.Options{}, payload: claims(`,"iss":"x"`)},
		{name: "not configured: aud present (RFC 7519 §4.1.3)", opts: session.Options{}, payload: claims(`,"aud":"y"`), want: session.ErrInvalid},
		{name: "not configured: aud array present", opts: session.Options{}, payload: claims(`,"aud":["y"]`), want: session.ErrInvalid},
		{name: "only iss configured: aud present", opts: session.Options{Issuer: iss}, payload: claims(`,"iss":"` + iss + `","aud":"` + aud + `"`), want: session.ErrInvalid},
		{name: "not configured: none", opts: session.Options{}, payload: claims(``)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := newSecret(t)
			m := newManager(t, secret, newClock(t0), tt.opts)
			_, err := verify(m, signToken(secret, hs256Header, tt.payload))
			checkOnly(t, err, tt.want)
		})
	}

	t.Run("token of another issuer on the same secret", func(t *testing.T) {
		secret := newSecret(t)
		clock := newClock(t0)
		a := newManager(t, secret, clock, session.Options{Issuer: "a", Audience: []string{aud}})
		b := newManager(t, secret, clock, session.Options{Issuer: "b", Audience: []string{aud}})
		_, err := verify(b, issue(t, a, "u", nil).Value)
		checkOnly(t, err, session.ErrInvalid)
	})
}

func TestWithUserIDClaimSub(t *testing.T) {
	secret := newSecret(t)
	clock := newClock(t0)
	m := newManager(t, secret, clock, session.Options{UserIDClaim: "sub"})
	exp := unix(t0.Add(time.Hour))

	tok := issue(t, m, "alice", nil)
	wire := payloadOf(t, tok.Value)
	if wire["sub"] != "alice" {
		t.Errorf("payload sub: got %#v, want %q", wire["sub"], "alice")
	}
	if _, ok := wire["user_id"]; ok {
		t.Errorf("payload %v: got a user_id claim, want only sub", wire)
	}

	tests := []struct {
		name   string
		token  string
		wantID string
		want   error
	}{
		{name: "issued", token: tok.Value, wantID: "alice"},
		{name: "foreign sub", token: signToken(secret, hs256Header, `{"sub":"bob","exp":`+exp+`}`), wantID: "bob"},
		{name: "user_id only", token: signToken(secret, hs256Header, `{"user_id":"bob","exp":`+exp+`}`), want: session.ErrInvalid},
		{name: "SUB", token: signToken(secret, hs256Header, `{"SUB":"bob","exp":`+exp+`}`), want: session.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := verify(m, tt.token)
			checkOnly(t, err, tt.want)
			if err == nil && c.UserID != tt.wantID {
				t.Fatalf("UserID: got %q, want %q", c.UserID, tt.wantID)
			}
		})
	}
}

func TestSeedToken(t *testing.T) {
	ctx := context.Background()
	exp := unix(t0.Add(time.Minute))
	tests := []struct {
		name    string
		payload string
	}{
		{name: "compact", payload: `{"user_id":123,"exp":` + exp + `}`},
		{name: "spaced like json.dumps", payload: `{"user_id": 123, "exp": ` + exp + `}`},
		{name: "with iat and jti", payload: `{"exp":` + exp + `,"iat":` + unix(t0) + `,"jti":"abc","user_id":123}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := newSecret(t)
			// TTL 30m: the seed has 1 minute left, well under the threshold.
			m := newManager(t, secret, newClock(t0), session.Options{})
			tok := signToken(secret, hs256Header, tt.payload)
			c := mustVerify(t, m, tok)
			if c.UserID != "123" {
				t.Fatalf("UserID: got %q, want %q", c.UserID, "123")
			}
			if c.Renewable() {
				t.Fatalf("Renewable: got true, want false for a token without sid and auth_time")
			}
			if m.ShouldRenew(c) {
				t.Fatalf("ShouldRenew: got true, want false for a foreign token")
			}
			_, err := m.Renew(ctx, c)
			checkOnly(t, err, session.ErrNotRenewable)
			_, err = m.Refresh(ctx, tok)
			checkOnly(t, err, session.ErrNotRenewable)
		})
	}
}

func TestRenew(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	m := newManager(t, newSecret(t), clock, session.Options{TTL: 10 * time.Minute, MaxLifetime: time.Hour})
	extra := map[string]any{"role": "admin", "scopes": []string{"read", "write"}}
	first := issue(t, m, "u1", extra)

	// Slide every 8 minutes: each renewal keeps the session and moves exp
	// to min(now+TTL, auth_time+MaxLifetime).
	cur := first
	for _, step := range []struct {
		at, wantExp time.Duration
	}{
		{8 * time.Minute, 18 * time.Minute},
		{16 * time.Minute, 26 * time.Minute},
		{24 * time.Minute, 34 * time.Minute},
		{32 * time.Minute, 42 * time.Minute},
		{40 * time.Minute, 50 * time.Minute},
		{48 * time.Minute, 58 * time.Minute},
		{50 * time.Minute, 60 * time.Minute},
		{55 * time.Minute, 60 * time.Minute},
	} {
		t.Run(fmt.Sprintf("renew at +%v", step.at), func(t *testing.T) {
			clock.Set(t0.Add(step.at))
			old := mustVerify(t, m, cur.Value)
			next, err := m.Renew(ctx, old)
			if err != nil {
				t.Fatalf("Renew: %v", err)
			}
			c := mustVerify(t, m, next.Value)
			if c.UserID != "u1" || c.SessionID != first.Claims.SessionID {
				t.Errorf("got user %q session %q, want %q %q", c.UserID, c.SessionID, "u1", first.Claims.SessionID)
			}
			if !c.AuthTime.Equal(t0) {
				t.Errorf("AuthTime: got %v, want the login time %v", c.AuthTime, t0)
			}
			if c.TokenID == old.TokenID || c.TokenID == "" {
				t.Errorf("TokenID: got %q, want a new one (old %q)", c.TokenID, old.TokenID)
			}
			if want := t0.Add(step.at); !c.IssuedAt.Equal(want) {
				t.Errorf("IssuedAt: got %v, want %v", c.IssuedAt, want)
			}
			if want := t0.Add(step.wantExp); !c.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt: got %v, want %v", c.ExpiresAt, want)
			}
			for name, v := range extra {
				want, _ := json.Marshal(v)
				if string(session.Extra(c)[name]) != string(want) {
					t.Errorf("Extra[%q]: got %s, want %s", name, session.Extra(c)[name], want)
				}
			}
			if len(session.Extra(c)) != len(extra) {
				t.Errorf("Extra: got %v, want %d claims", session.Extra(c), len(extra))
			}
			cur = next
		})
	}
	t.Run("past max lifetime", func(t *testing.T) {
		clock.Set(t0.Add(time.Hour))
		_, err := verify(m, cur.Value)
		checkOnly(t, err, session.ErrExpired)
		_, err = m.Refresh(ctx, cur.Value)
		checkOnly(t, err, session.ErrExpired)
	})
}

func TestRenewStaleClaims(t *testing.T) {
	const ttl, leeway = 10 * time.Minute, 30 * time.Second
	exp := t0.Add(ttl)
	tests := []struct {
		name   string
		leeway time.Duration
		at     time.Time
		want   error
	}{
		{name: "before exp", at: exp.Add(-time.Second)},
		{name: "at exp", at: exp, want: session.ErrExpired},
		{name: "within leeway", leeway: leeway, at: exp.Add(leeway - time.Second)},
		{name: "past leeway", leeway: leeway, at: exp.Add(leeway), want: session.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(t0)
			m := newManager(t, newSecret(t), clock, session.Options{TTL: ttl, Leeway: tt.leeway})
			// Claims verified earlier, renewed after the clock moved on.
			c := mustVerify(t, m, issue(t, m, "u", nil).Value)
			clock.Set(tt.at)
			next, err := m.Renew(context.Background(), c)
			checkOnly(t, err, tt.want)
			if err == nil {
				if want := tt.at.Add(ttl).Truncate(time.Second); !next.Claims.ExpiresAt.Equal(want) {
					t.Fatalf("renewed exp: got %v, want %v", next.Claims.ExpiresAt, want)
				}
			}
		})
	}
}

func TestRenewAtMaxLifetime(t *testing.T) {
	ctx := context.Background()
	const ttl, life, leeway = 10 * time.Minute, time.Hour, time.Minute
	secret := newSecret(t)
	clock := newClock(t0)
	m := newManager(t, secret, clock, session.Options{TTL: ttl, MaxLifetime: life, Leeway: leeway})
	// A token of this library's shape whose exp is the session's end.
	end := t0.Add(life)
	tok := signToken(secret, hs256Header, `{"user_id":"u","sid":"s1","auth_time":`+unix(t0)+`,"iat":`+unix(end.Add(-ttl))+`,"exp":`+unix(end)+`,"jti":"j"}`)

	tests := []struct {
		name       string
		at         time.Time
		wantVerify error
		wantRenew  error
	}{
		{name: "1s before the end", at: end.Add(-time.Second), wantRenew: nil},
		{name: "at the end, within leeway", at: end, wantRenew: session.ErrNotRenewable},
		{name: "after the end, within leeway", at: end.Add(leeway - time.Second), wantRenew: session.ErrNotRenewable},
		{name: "past the end and leeway", at: end.Add(leeway), wantVerify: session.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Set(tt.at)
			c, err := verify(m, tok)
			checkOnly(t, err, tt.wantVerify)
			if err != nil {
				return
			}
			next, err := m.Renew(ctx, c)
			checkOnly(t, err, tt.wantRenew)
			if err == nil && next.Claims.ExpiresAt.After(end) {
				t.Fatalf("renewed exp: got %v, want at most the session end %v", next.Claims.ExpiresAt, end)
			}
			_, err = m.Refresh(ctx, tok)
			checkOnly(t, err, tt.wantRenew)
		})
	}
}

// TestVerifySessionOlderThanMaxLifetime: the maximum lifetime bounds
// renewal, not verification. A token whose exp is ahead verifies however
// old its auth_time (such as a token of another issuer, whose user logged
// in days ago), and is never renewed past the limit.
func TestVerifySessionOlderThanMaxLifetime(t *testing.T) {
	const life = 24 * time.Hour
	tests := []struct {
		name      string
		authTime  time.Time
		wantRenew error
	}{
		{name: "1s younger than the limit", authTime: t0.Add(-life + time.Second)},
		{name: "exactly the limit", authTime: t0.Add(-life), wantRenew: session.ErrNotRenewable},
		{name: "72 hours old", authTime: t0.Add(-72 * time.Hour), wantRenew: session.ErrNotRenewable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := newSecret(t)
			m := newManager(t, secret, newClock(t0), session.Options{MaxLifetime: life})
			tok := signToken(secret, hs256Header, `{"user_id":"u","sid":"s","auth_time":`+unix(tt.authTime)+`,"iat":`+unix(t0)+`,"exp":`+unix(t0.Add(time.Hour))+`}`)
			c, err := verify(m, tok)
			checkOnly(t, err, nil)
			if c == nil {
				return
			}
			_, err = m.Renew(context.Background(), c)
			checkOnly(t, err, tt.wantRenew)
		})
	}
}

func TestShouldRenew(t *testing.T) {
	ctx := context.Background()
	const ttl, within, life = 30 * time.Minute, 10 * time.Minute, 40 * time.Minute
	clock := newClock(t0)
	secret := newSecret(t)
	m := newManager(t, secret, clock, session.Options{TTL: ttl, RenewWithin: within, MaxLifetime: life})
	first := mustVerify(t, m, issue(t, m, "u", nil).Value)

	clock.Set(t0.Add(25 * time.Minute))
	second, err := m.Renew(ctx, first) // exp capped at t0+40m
	if err != nil {
		t.Fatalf("Renew: %v", err)
	}
	if want := t0.Add(life); !second.Claims.ExpiresAt.Equal(want) {
		t.Fatalf("renewed exp: got %v, want %v", second.Claims.ExpiresAt, want)
	}
	foreign := mustVerify(t, m, signToken(secret, hs256Header, `{"user_id":"u","exp":`+unix(t0.Add(ttl))+`,"iat":`+unix(t0)+`}`))

	tests := []struct {
		name   string
		claims *session.Claims
		at     time.Duration
		want   bool
	}{
		{name: "fresh", claims: first, at: 0, want: false},
		{name: "just above the threshold", claims: first, at: 20*time.Minute - time.Second, want: false},
		{name: "exactly at the threshold", claims: first, at: 20 * time.Minute, want: false},
		{name: "just under the threshold", claims: first, at: 20*time.Minute + time.Second, want: true},
		{name: "nearly expired", claims: first, at: 29 * time.Minute, want: true},
		{name: "foreign token under the threshold", claims: foreign, at: 25 * time.Minute, want: false},
		{name: "renewed exp would not be later", claims: second.Claims, at: 35 * time.Minute, want: false},
		{name: "past max lifetime", claims: second.Claims, at: life, want: false},
		{name: "long past max lifetime", claims: first, at: 2 * life, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Set(t0.Add(tt.at))
			if got := m.ShouldRenew(tt.claims); got != tt.want {
				t.Fatalf("ShouldRenew at +%v: got %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestRefreshErrors(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	m := newManager(t, newSecret(t), clock, session.Options{TTL: time.Minute})
	expired := issue(t, m, "u", nil)
	clock.Advance(2 * time.Minute)
	revoked := issue(t, m, "u", nil)
	if err := m.Revoke(ctx, mustVerify(t, m, revoked.Value)); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	valid := issue(t, m, "u", nil)

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{name: "valid", token: valid.Value},
		{name: "expired", token: expired.Value, want: session.ErrExpired},
		{name: "revoked", token: revoked.Value, want: session.ErrRevoked},
		{name: "garbage", token: "garbage", want: session.ErrInvalid},
		{name: "empty", token: "", want: session.ErrInvalid},
		{name: "truncated", token: valid.Value[:len(valid.Value)-1], want: session.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, err := m.Refresh(ctx, tt.token)
			checkOnly(t, err, tt.want)
			if err != nil {
				if next != nil {
					t.Fatalf("got token %v with error, want nil", next)
				}
				return
			}
			c := mustVerify(t, m, next.Value)
			if c.SessionID != valid.Claims.SessionID {
				t.Fatalf("SessionID: got %q, want %q", c.SessionID, valid.Claims.SessionID)
			}
		})
	}
}

func TestRevoke(t *testing.T) {
	ctx := context.Background()
	secret := newSecret(t)
	clock := newClock(t0)
	m := newManager(t, secret, clock, session.Options{TTL: 10 * time.Minute, MaxLifetime: time.Hour})
	a := issue(t, m, "u1", nil)
	b := issue(t, m, "u1", nil) // another session of the same user
	other := issue(t, m, "u2", nil)
	clock.Advance(8 * time.Minute)
	a2, err := m.Refresh(ctx, a.Value)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	exp := unix(t0.Add(30 * time.Minute))
	foreignJTI := signToken(secret, hs256Header, `{"user_id":"u3","exp":`+exp+`,"jti":"j1"}`)
	foreignJTI2 := signToken(secret, hs256Header, `{"user_id":"u3","exp":`+exp+`,"jti":"j2"}`)
	foreignBare := signToken(secret, hs256Header, `{"user_id":"u4","exp":`+exp+`}`)
	foreignBare2 := signToken(secret, hs256Header, `{"user_id":"u4","exp":`+exp+`,"x":1}`)

	for _, tok := range []string{a2.Value, foreignJTI, foreignBare} {
		if err := m.Revoke(ctx, mustVerify(t, m, tok)); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
	}

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{name: "revoked token", token: a2.Value, want: session.ErrRevoked},
		{name: "its predecessor in the session", token: a.Value, want: session.ErrRevoked},
		{name: "another session of the user", token: b.Value},
		{name: "another user", token: other.Value},
		{name: "foreign token by jti", token: foreignJTI, want: session.ErrRevoked},
		{name: "foreign token with another jti", token: foreignJTI2},
		{name: "foreign token without jti", token: foreignBare, want: session.ErrRevoked},
		{name: "another foreign token without jti", token: foreignBare2},
		// Forged with the same sid, a later exp and the original
		// auth_time: the revocation lasts for the whole session.
		{name: "same session near its end", token: signToken(secret, hs256Header, `{"user_id":"u1","sid":"`+a.Claims.SessionID+`","auth_time":`+unix(t0)+`,"exp":`+unix(t0.Add(time.Hour))+`}`), want: session.ErrRevoked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify(m, tt.token)
			checkOnly(t, err, tt.want)
			_, err = m.Refresh(ctx, tt.token)
			if tt.want != nil {
				checkOnly(t, err, tt.want)
			}
		})
	}
	t.Run("revocation outlasts renewed tokens", func(t *testing.T) {
		clock.Set(t0.Add(time.Hour - time.Second))
		tok := signToken(secret, hs256Header, `{"user_id":"u1","sid":"`+a.Claims.SessionID+`","auth_time":`+unix(t0)+`,"exp":`+unix(t0.Add(time.Hour))+`}`)
		_, err := verify(m, tok)
		checkOnly(t, err, session.ErrRevoked)
	})
}

func TestRevokeSession(t *testing.T) {
	ctx := context.Background()
	clock := newClock(t0)
	m := newManager(t, newSecret(t), clock, session.Options{})
	a := issue(t, m, "u", nil)
	b := issue(t, m, "u", nil)
	clock.Advance(25 * time.Minute)
	a2, err := m.Refresh(ctx, a.Value)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if err := m.RevokeSession(ctx, a.Claims.SessionID); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}
	if err := m.RevokeSession(ctx, ""); err == nil {
		t.Fatalf("RevokeSession(\"\"): got no error, want one")
	}
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{name: "first token", token: a.Value, want: session.ErrRevoked},
		{name: "renewed token", token: a2.Value, want: session.ErrRevoked},
		{name: "other session", token: b.Value},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify(m, tt.token)
			checkOnly(t, err, tt.want)
		})
	}
}

func TestRevokeUser(t *testing.T) {
	ctx := context.Background()
	secret := newSecret(t)
	clock := newClock(t0.Add(500 * time.Millisecond))
	m := newManager(t, secret, clock, session.Options{})
	old1 := issue(t, m, "u1", nil)
	old2 := issue(t, m, "u1", nil)
	otherUser := issue(t, m, "u2", nil)
	exp := unix(t0.Add(10 * time.Minute))
	noIAT := signToken(secret, hs256Header, `{"user_id":"u1","exp":`+exp+`}`)
	clock.Advance(time.Second) // t0+1.5s: the old tokens are of an earlier second
	if err := m.RevokeUser(ctx, "u1"); err != nil {
		t.Fatalf("RevokeUser: %v", err)
	}
	if err := m.RevokeUser(ctx, ""); err == nil {
		t.Fatalf("RevokeUser(\"\"): got no error, want one")
	}
	atTheInstant := issue(t, m, "u1", nil)
	clock.Advance(time.Millisecond)
	sameSecond := issue(t, m, "u1", nil)
	clock.Advance(time.Second)
	later := issue(t, m, "u1", nil)

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{name: "session issued before", token: old1.Value, want: session.ErrRevoked},
		{name: "other session issued before", token: old2.Value, want: session.ErrRevoked},
		{name: "token without iat", token: noIAT, want: session.ErrRevoked},
		{name: "other user", token: otherUser.Value},
		{name: "login at the instant of the revocation", token: atTheInstant.Value, want: session.ErrRevoked},
		{name: "login a millisecond later, in the same second", token: sameSecond.Value},
		{name: "login a second later", token: later.Value},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify(m, tt.token)
			checkOnly(t, err, tt.want)
		})
	}
}

// failingStore is a Store whose backend is down.
type failingStore struct{ err error }

func (s failingStore) Revoke(context.Context, string, string, time.Time) error { return s.err }
func (s failingStore) RevokeUser(context.Context, string, time.Time, time.Time) error {
	return s.err
}
func (s failingStore) Revoked(context.Context, *session.Claims) (bool, error) { return false, s.err }

func TestStoreFailure(t *testing.T) {
	ctx := context.Background()
	down := errors.New("backend down")
	clock := newClock(t0)
	m := newManager(t, newSecret(t), clock, session.Options{Store: failingStore{down}})
	tok := issue(t, m, "u", nil)

	_, err := verify(m, tok.Value)
	checkOnly(t, err, session.ErrUnavailable)
	if !errors.Is(err, down) {
		t.Errorf("Verify: got %v, want it to wrap the store error", err)
	}
	_, err = m.Refresh(ctx, tok.Value)
	checkOnly(t, err, session.ErrUnavailable)

	// A token that fails on its own merits is reported as such: the store
	// is consulted last.
	_, err = verify(m, tok.Value+"x")
	checkOnly(t, err, session.ErrInvalid)

	c := tok.Claims
	for name, revoke := range map[string]func() error{
		"Revoke":        func() error { return m.Revoke(ctx, c) },
		"RevokeSession": func() error { return m.RevokeSession(ctx, c.SessionID) },
		"RevokeUser":    func() error { return m.RevokeUser(ctx, c.UserID) },
	} {
		if err := revoke(); !errors.Is(err, down) {
			t.Errorf("%s: got %v, want the store error", name, err)
		}
	}
}

func TestErrorsDoNotEchoToken(t *testing.T) {
	ctx := context.Background()
	secret := newSecret(t)
	clock := newClock(t0)
	m := newManager(t, secret, clock, session.Options{TTL: time.Minute})
	expired := issue(t, m, "u", nil).Value
	clock.Advance(2 * time.Minute)
	revoked := issue(t, m, "u", nil).Value
	if err := m.Revoke(ctx, mustVerify(t, m, revoked)); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	valid := issue(t, m, "u", nil).Value
	exp := unix(clock.Now().Add(time.Hour))

	tests := []struct {
		name  string
		token string
	}{
		{name: "expired", token: expired},
		{name: "revoked", token: revoked},
		{name: "bad signature", token: tamperLastChar(valid)},
		{name: "wrong alg", token: signToken(secret, `{"alg":"HS512"}`, `{"user_id":"u","exp":`+exp+`}`)},
		{name: "bad claims", token: signToken(secret, hs256Header, `{"user_id":true,"exp":`+exp+`}`)},
		{name: "not yet valid", token: signToken(secret, hs256Header, `{"user_id":"u","exp":`+exp+`,"nbf":`+exp+`}`)},
		{name: "bad character", token: valid + "!"},
		{name: "four parts", token: valid + ".abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, verr := verify(m, tt.token)
			_, rerr := m.Refresh(ctx, tt.token)
			for _, err := range []error{verr, rerr} {
				if err == nil {
					t.Fatalf("got no error, want one")
				}
				msg := err.Error()
				if strings.Contains(msg, tt.token) {
					t.Fatalf("error %q contains the token", msg)
				}
				for i, part := range strings.Split(tt.token, ".") {
					if len(part) >= 8 && strings.Contains(msg, part) {
						t.Fatalf("error %q contains part %d of the token", msg, i)
					}
				}
			}
		})
	}
}

func TestKeyNeverPrintsSecret(t *testing.T) {
	secret := []byte("throwaway-test-secret-0123456789-abcdef")
	keys := map[string]session.Key{
		"no id":   session.HS256(secret),
		"with id": session.HS256(secret).WithID("k1"),
	}
	for name, k := range keys {
		t.Run(name, func(t *testing.T) {
			m, err := session.New(k, session.Options{})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			holder := struct{ K session.Key }{k}
			outputs := map[string]string{
				"String":   k.String(),
				"GoString": k.GoString(),
				"%v":       fmt.Sprintf("%v", k),
				"%+v":      fmt.Sprintf("%+v", k),
				"%#v":      fmt.Sprintf("%#v", k),
				"%s":       fmt.Sprintf("%s", k),
				"%q":       fmt.Sprintf("%q", k),
				"%x":       fmt.Sprintf("%x", k),
				"pointer":  fmt.Sprintf("%+v", &k),
				"field":    fmt.Sprintf("%+v", holder),
				"field #":  fmt.Sprintf("%#v", holder),
				"manager":  fmt.Sprintf("%+v", m),
			}
			for verb, out := range outputs {
				if strings.Contains(out, string(secret)) || strings.Contains(out, fmt.Sprintf("%x", secret)) || strings.Contains(out, "throwaway") {
					t.Errorf("%s: got %q, which reveals the secret", verb, out)
				}
			}
			if !strings.Contains(outputs["%v"], "HS256") {
				t.Errorf("%%v: got %q, want it to name the algorithm", outputs["%v"])
			}
			if k.ID() != "" && !strings.Contains(outputs["%#v"], k.ID()) {
				t.Errorf("%%#v: got %q, want it to name the key id", outputs["%#v"])
			}
		})
	}
}
