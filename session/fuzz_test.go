package session_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jwtsession/jwtsession/session"
)

// The fuzz targets check properties, not examples: whatever the input,
// Verify must not panic, must fail with exactly one of the documented
// errors, and may only accept what an independent reading of RFC 7515 and
// RFC 7519 (crypto/hmac, encoding/base64, encoding/json) also accepts.
// `go test` runs the seeds in testdata/fuzz/<Name>; `go test -fuzz` explores.

// fuzzIssuer and fuzzAudience configure the round-trip target's Manager.
const (
	fuzzIssuer   = "https://issuer.test"
	fuzzAudience = "api"
)

// tokenErrors are the errors Verify may return for a token on its own
// merits (the in-memory store never fails).
var tokenErrors = []error{session.ErrInvalid, session.ErrExpired, session.ErrNotYetValid, session.ErrRevoked}

// checkVerifyOutcome checks the result of verifying token with a Manager
// on secret whose clock stands at t0 and that has revoked nothing.
func checkVerifyOutcome(t *testing.T, secret []byte, token string, c *session.Claims, err error) {
	t.Helper()
	if err != nil {
		if c != nil {
			t.Fatalf("got claims %+v with error %v, want nil claims", c, err)
		}
		kinds := 0
		for _, s := range append(tokenErrors, session.ErrUnavailable, session.ErrNotRenewable) {
			if errors.Is(err, s) {
				kinds++
			}
		}
		if kinds != 1 || errors.Is(err, session.ErrRevoked) || errors.Is(err, session.ErrUnavailable) || errors.Is(err, session.ErrNotRenewable) {
			t.Fatalf("got error %v, want exactly one of invalid, expired, not yet valid", err)
		}
		if len(token) >= 24 && !strings.ContainsAny(token, " ") && strings.Contains(err.Error(), token) {
			t.Fatalf("error %q echoes the token", err)
		}
		return
	}
	if c == nil {
		t.Fatalf("got neither claims nor an error")
	}
	if len(token) > defaultMaxTokenSize {
		t.Fatalf("accepted a token of %d bytes, over the %d-byte cap", len(token), defaultMaxTokenSize)
	}
	parts := strings.Split(token, ".") // test oracle only; the library never splits this way
	if len(parts) != 3 {
		t.Fatalf("accepted a token with %d parts, want 3", len(parts))
	}
	raw := make([][]byte, 3)
	for i, p := range parts {
		b, err := base64.RawURLEncoding.Strict().DecodeString(p)
		if err != nil || p == "" {
			t.Fatalf("accepted part %d %q, which is not non-empty unpadded base64url: %v", i, p, err)
		}
		if again := base64.RawURLEncoding.EncodeToString(b); again != p {
			t.Fatalf("accepted part %d spelled %q; its canonical spelling is %q", i, p, again)
		}
		raw[i] = b
	}
	if want := hmacSig(secret, parts[0]+"."+parts[1]); parts[2] != want {
		t.Fatalf("accepted signature %q, want the HMAC-SHA256 %q", parts[2], want)
	}
	hdr := checkStrictObject(t, "header", raw[0])
	if hdr["alg"] != "HS256" {
		t.Fatalf("accepted header alg %v, want HS256", hdr["alg"])
	}
	for _, banned := range []string{"crit", "b64", "enc", "zip"} {
		if _, ok := hdr[banned]; ok {
			t.Fatalf("accepted a header with %q", banned)
		}
	}
	if typ, ok := hdr["typ"]; ok && !strings.EqualFold(typ.(string), "JWT") {
		t.Fatalf("accepted header typ %q", typ)
	}
	for name := range hdr {
		for _, p := range []string{"alg", "kid", "typ", "cty", "crit", "b64", "enc", "zip", "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256"} {
			if name != p && strings.EqualFold(name, p) {
				t.Fatalf("accepted header member %q, a case variant of %q", name, p)
			}
		}
	}
	claims := checkStrictObject(t, "claims", raw[1])
	checkClaimsAgree(t, raw[1], claims, c)
}

// checkStrictObject decodes raw as a JSON object with encoding/json and
// fails unless the library's acceptance was justified: valid UTF-8, valid
// JSON, an object, no duplicate member at any depth, no NUL.
func checkStrictObject(t *testing.T, what string, raw []byte) map[string]any {
	t.Helper()
	if !utf8.Valid(raw) {
		t.Fatalf("accepted %s with invalid UTF-8: %q", what, raw)
	}
	if !json.Valid(raw) {
		t.Fatalf("accepted %s that encoding/json finds invalid: %q", what, raw)
	}
	if dup := duplicateMember(raw); dup != "" {
		t.Fatalf("accepted %s with the duplicate member %q: %q", what, dup, raw)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil || v == nil {
		t.Fatalf("accepted %s that is not a JSON object: %q (%v)", what, raw, err)
	}
	if path := nulString(v); path != "" {
		t.Fatalf("accepted %s with a NUL character in %s: %q", what, path, raw)
	}
	return v
}

// nulString returns where a decoded JSON value holds a NUL character in a
// string or a member name, or "".
func nulString(v any) string {
	switch x := v.(type) {
	case string:
		if strings.ContainsRune(x, 0) {
			return "a string"
		}
	case []any:
		for _, e := range x {
			if p := nulString(e); p != "" {
				return p
			}
		}
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) {
				return "a member name"
			}
			if p := nulString(e); p != "" {
				return p
			}
		}
	}
	return ""
}

// duplicateMember returns a member name that occurs twice in one object of
// the valid JSON text raw, or "".
func duplicateMember(raw []byte) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object    bool
		expectKey bool
		seen      map[string]bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.expectKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].expectKey = true
				}
				continue
			}
			name := tok.(string)
			if top.seen[name] {
				return name
			}
			top.seen[name] = true
			top.expectKey = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, expectKey: true, seen: map[string]bool{}})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].expectKey = true
		}
	}
}

// checkClaimsAgree compares the library's typed claims with the claims
// object as encoding/json reads it.
func checkClaimsAgree(t *testing.T, payload []byte, obj map[string]any, c *session.Claims) {
	t.Helper()
	for name := range obj {
		for _, r := range []string{"exp", "iat", "nbf", "jti", "sid", "auth_time", "iss", "aud", "sub", "user_id"} {
			if name != r && strings.EqualFold(name, r) {
				t.Fatalf("accepted claim %q, a case variant of %q", name, r)
			}
		}
	}
	switch id := obj["user_id"].(type) {
	case string:
		if id == "" || id != c.UserID {
			t.Fatalf("UserID: got %q, encoding/json reads %q", c.UserID, id)
		}
	case json.Number:
		if strings.ContainsAny(id.String(), ".eE-") || id.String() != c.UserID {
			t.Fatalf("UserID: got %q from the JSON number %s, want its exact integer text", c.UserID, id)
		}
	default:
		t.Fatalf("accepted user_id %#v, want a string or an integer", obj["user_id"])
	}
	for _, name := range []string{"exp", "nbf", "iat", "auth_time"} {
		v, ok := obj[name]
		if !ok {
			if name == "exp" {
				t.Fatalf("accepted a token without exp")
			}
			continue
		}
		n, isNum := v.(json.Number)
		if !isNum || strings.ContainsAny(n.String(), "eE-") {
			t.Fatalf("accepted %s %#v, want a non-negative number without exponent", name, v)
		}
		whole, _, _ := strings.Cut(n.String(), ".")
		secs, ok := new(big.Int).SetString(whole, 10)
		if !ok || secs.Cmp(big.NewInt(253402300799)) > 0 {
			t.Fatalf("accepted %s %s beyond year 9999", name, n)
		}
		got := map[string]time.Time{"exp": c.ExpiresAt, "nbf": c.NotBefore, "iat": c.IssuedAt, "auth_time": c.AuthTime}[name]
		if got.Unix() != secs.Int64() {
			t.Fatalf("%s: got %d, the claim says %s", name, got.Unix(), n)
		}
	}
	if !t0.Before(c.ExpiresAt) {
		t.Fatalf("accepted exp %v at %v", c.ExpiresAt, t0)
	}
	if !c.NotBefore.IsZero() && t0.Before(c.NotBefore) || !c.IssuedAt.IsZero() && t0.Before(c.IssuedAt) {
		t.Fatalf("accepted nbf %v / iat %v after %v", c.NotBefore, c.IssuedAt, t0)
	}
	for name, got := range map[string]string{"jti": c.TokenID, "sid": c.SessionID, "iss": c.Issuer} {
		v, ok := obj[name]
		if !ok {
			if got != "" {
				t.Fatalf("%s: got %q, absent from the claims", name, got)
			}
			continue
		}
		if s, isStr := v.(string); !isStr || s == "" || s != got {
			t.Fatalf("%s: got %q, encoding/json reads %#v", name, got, v)
		}
	}
	if v, ok := obj["aud"]; ok {
		var want []string
		switch a := v.(type) {
		case string:
			want = []string{a}
		case []any:
			for _, e := range a {
				s, isStr := e.(string)
				if !isStr {
					t.Fatalf("accepted aud %#v", v)
				}
				want = append(want, s)
			}
		default:
			t.Fatalf("accepted aud %#v", v)
		}
		if len(want) == 0 || strings.Join(want, "\x00") != strings.Join(c.Audience(), "\x00") {
			t.Fatalf("Audience: got %q, encoding/json reads %q", c.Audience(), want)
		}
	}
	for _, s := range append([]string{c.UserID, c.TokenID, c.SessionID, c.Issuer}, c.Audience()...) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("accepted the claim string %q with invalid UTF-8 or NUL", s)
		}
		// A lone surrogate escape would come out as U+FFFD; the claims
		// must then spell U+FFFD themselves.
		if strings.ContainsRune(s, utf8.RuneError) && !bytes.Contains(payload, []byte("\xef\xbf\xbd")) &&
			!bytes.Contains(bytes.ToLower(payload), []byte(`\ufffd`)) {
			t.Fatalf("claim string %q holds U+FFFD the claims do not spell: a lone surrogate was accepted", s)
		}
	}
	for name, raw := range session.Extra(c) {
		v, ok := obj[name]
		if !ok {
			t.Fatalf("Extra[%q] is not in the claims", name)
		}
		var again any
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&again); err != nil || !jsonEqual(again, v) {
			t.Fatalf("Extra[%q]: got %s, encoding/json reads %#v", name, raw, v)
		}
	}
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// resign replaces what follows the last '.' of token with the HMAC of what
// precedes it, so that mutated tokens get past the signature check.
func resign(secret []byte, token string) string {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return token
	}
	return token[:i+1] + hmacSig(secret, token[:i])
}

// FuzzVerifyCompact feeds arbitrary strings to Verify: the compact form,
// part splitting, base64url and header decoding. With resign set, the
// signature is recomputed so that the header and claims decoders are
// reached too.
func FuzzVerifyCompact(f *testing.F) {
	secret := newSecret(f)
	m := newManager(f, secret, newClock(t0), session.Options{})
	valid := signToken(secret, hs256Header, `{"user_id":"u","exp":`+unix(t0.Add(time.Hour))+`}`)
	f.Add(valid, false)
	f.Add(valid, true)
	f.Add(strings.Repeat(".", 1000), false)
	f.Add(strings.Repeat("A", defaultMaxTokenSize+1), false)
	f.Fuzz(func(t *testing.T, token string, re bool) {
		if re {
			token = resign(secret, token)
		}
		c, err := verify(m, token)
		checkVerifyOutcome(t, secret, token, c, err)
	})
}

// FuzzDecodeClaims signs an arbitrary header and payload with the test's
// key and verifies the token, so every input reaches the strict JSON
// decoders; accepted claims must agree with encoding/json.
func FuzzDecodeClaims(f *testing.F) {
	secret := newSecret(f)
	m := newManager(f, secret, newClock(t0), session.Options{})
	f.Add(hs256Header, `{"user_id":"u","exp":`+unix(t0.Add(time.Hour))+`}`)
	f.Add(hs256Header, `{"user_id":9007199254740993,"exp":`+unix(t0.Add(time.Hour))+`.5,"aud":["a","b"],"x":{"y":[1,2,{"z":null}]}}`)
	f.Fuzz(func(t *testing.T, header, payload string) {
		token := signToken(secret, header, payload)
		c, err := verify(m, token)
		checkVerifyOutcome(t, secret, token, c, err)
	})
}

// FuzzRoundTrip checks that what Issue writes, Verify reads back exactly
// and Refresh carries over, and that flipping any single bit of the token,
// or of any decoded part of it, is rejected as invalid.
func FuzzRoundTrip(f *testing.F) {
	secret := newSecret(f)
	clock := newClock(t0)
	m := newManager(f, secret, clock, session.Options{Issuer: fuzzIssuer, Audience: []string{fuzzAudience}})
	f.Add("123", "role", "admin", int64(7), uint(0))
	f.Add("ünï\"\\\n", "note", "\x00\xff", int64(-1), uint(1<<20))
	f.Fuzz(func(t *testing.T, userID, name, value string, n int64, flip uint) {
		ctx := context.Background()
		extra := map[string]any{name: value, "n": n}
		tok, err := m.Issue(ctx, userID, extra)
		if err != nil {
			// Inputs this small can never make a token over the size cap
			// (at most 6 bytes of JSON per byte, 4/3 for base64url).
			small := len(userID)+len(name)+len(value) < 900
			if small && utf8.ValidString(userID) && userID != "" && !strings.ContainsRune(userID, 0) && !strings.ContainsRune(value, 0) &&
				utf8.ValidString(name) && name != "" && !strings.ContainsRune(name, 0) && !registeredName(name) {
				t.Fatalf("Issue(%q, %q): %v, want a token", userID, name, err)
			}
			return
		}
		if len(tok.Value) > defaultMaxTokenSize {
			t.Fatalf("Issue made a %d-byte token, over the %d-byte cap that Verify enforces", len(tok.Value), defaultMaxTokenSize)
		}
		c, err := verify(m, tok.Value)
		if err != nil {
			t.Fatalf("Verify of an issued token: %v", err)
		}
		checkSameClaims(t, c, tok.Claims)
		for k, v := range extra {
			want, _ := json.Marshal(v)
			if got := session.Extra(c)[k]; got != string(want) {
				t.Fatalf("Extra[%q]: got %s, want %s", k, got, want)
			}
		}
		if c.UserID != userID || c.Issuer != fuzzIssuer || len(c.Audience()) != 1 || c.Audience()[0] != fuzzAudience {
			t.Fatalf("got user %q iss %q aud %q, want %q %q [%q]", c.UserID, c.Issuer, c.Audience(), userID, fuzzIssuer, fuzzAudience)
		}

		// One bit of the token as sent.
		b := []byte(tok.Value)
		i := flip % uint(8*len(b))
		b[i/8] ^= 1 << (i % 8)
		if _, err := verify(m, string(b)); !errorsIsInvalid(err) {
			t.Fatalf("token bit %d flipped: got %v, want ErrInvalid", i, err)
		}
		// One bit of a decoded part, re-encoded canonically.
		parts := strings.Split(tok.Value, ".")
		p := int(flip/7) % 3
		raw, err := base64.RawURLEncoding.DecodeString(parts[p])
		if err != nil {
			t.Fatalf("issued part %d: %v", p, err)
		}
		j := (flip / 3) % uint(8*len(raw))
		raw[j/8] ^= 1 << (j % 8)
		parts[p] = base64.RawURLEncoding.EncodeToString(raw)
		if _, err := verify(m, strings.Join(parts, ".")); !errorsIsInvalid(err) {
			t.Fatalf("part %d bit %d flipped: got %v, want ErrInvalid", p, j, err)
		}

		next, err := m.Refresh(ctx, tok.Value)
		if err != nil {
			t.Fatalf("Refresh: %v", err)
		}
		c2, err := verify(m, next.Value)
		if err != nil {
			t.Fatalf("Verify of a renewed token: %v", err)
		}
		if c2.UserID != c.UserID || c2.SessionID != c.SessionID || !c2.AuthTime.Equal(c.AuthTime) || c2.TokenID == c.TokenID || !jsonEqual(session.Extra(c2), session.Extra(c)) {
			t.Fatalf("renewed claims %+v do not carry over %+v", c2, c)
		}
	})
}

// registeredName reports whether name is a claim name Issue refuses for
// application claims: the registered ones, in any letter case (Unicode
// case folding, as encoding/json matches names), and the user id claim.
func registeredName(name string) bool {
	for _, r := range []string{"exp", "iat", "nbf", "jti", "sid", "auth_time", "iss", "aud", "sub", "user_id"} {
		if strings.EqualFold(name, r) {
			return true
		}
	}
	return false
}

// checkSameClaims compares verified claims with the issued ones.
func checkSameClaims(t *testing.T, got, want *session.Claims) {
	t.Helper()
	switch {
	case got.UserID != want.UserID, got.SessionID != want.SessionID, got.TokenID != want.TokenID,
		got.Issuer != want.Issuer, strings.Join(got.Audience(), ",") != strings.Join(want.Audience(), ","),
		!got.IssuedAt.Equal(want.IssuedAt), !got.ExpiresAt.Equal(want.ExpiresAt),
		!got.AuthTime.Equal(want.AuthTime), !got.NotBefore.Equal(want.NotBefore),
		len(session.Extra(got)) != len(session.Extra(want)):
		t.Fatalf("verified claims %+v differ from issued %+v", got, want)
	}
	for k, v := range session.Extra(want) {
		if session.Extra(got)[k] != v {
			t.Fatalf("Extra[%q]: got %s, issued %s", k, session.Extra(got)[k], v)
		}
	}
}

// TestIssueRespectsSizeCap is the round trip's size property, found by
// FuzzRoundTrip: what Issue hands out, Verify must accept, so a token over
// the size cap must be refused at issuance rather than issued dead.
func TestIssueRespectsSizeCap(t *testing.T) {
	tests := []struct {
		name   string
		userID string
		extra  map[string]any
	}{
		{name: "long user id", userID: strings.Repeat("x", 7000)},
		{name: "user id of control characters (six bytes each in JSON)", userID: strings.Repeat("\f", 1200)},
		{name: "long application claim", userID: "u", extra: map[string]any{"blob": strings.Repeat("x", 7000)}},
		{name: "many application claims", userID: "u", extra: func() map[string]any {
			m := map[string]any{}
			for i := range 700 {
				m[fmt.Sprintf("c%d", i)] = i
			}
			return m
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, newSecret(t), newClock(t0), session.Options{})
			tok, err := m.Issue(context.Background(), tt.userID, tt.extra)
			if err != nil {
				return // refused at issuance: fine
			}
			if _, err := verify(m, tok.Value); err != nil {
				t.Fatalf("Issue made a %d-byte token that Verify rejects (%v); want an error from Issue instead", len(tok.Value), err)
			}
		})
	}
}
