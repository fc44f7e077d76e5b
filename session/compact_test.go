package session_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// validPayload is a claims object that verifies at t0.
var validPayload = `{"user_id":"u","exp":` + unix(t0.Add(time.Hour)) + `}`

func TestCompactAlgorithm(t *testing.T) {
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	hs512 := func(header string) string {
		in := b64(header) + "." + b64(validPayload)
		mac := hmac.New(sha512.New, secret)
		mac.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	unsigned := func(header string) string { return b64(header) + "." + b64(validPayload) + "." }
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{name: "HS256", token: signToken(secret, `{"alg":"HS256"}`, validPayload), ok: true},
		{name: "HS256 typ first", token: signToken(secret, `{"typ":"JWT","alg":"HS256"}`, validPayload), ok: true},
		{name: "HS256 with white space", token: signToken(secret, "{ \"alg\" :\t\"HS256\" }\n", validPayload), ok: true},
		{name: "none unsigned", token: unsigned(`{"alg":"none"}`)},
		{name: "none with signature", token: signToken(secret, `{"alg":"none"}`, validPayload)},
		{name: "None unsigned", token: unsigned(`{"alg":"None"}`)},
		{name: "None with signature", token: signToken(secret, `{"alg":"None"}`, validPayload)},
		{name: "NONE unsigned", token: unsigned(`{"alg":"NONE"}`)},
		{name: "NONE with signature", token: signToken(secret, `{"alg":"NONE"}`, validPayload)},
		{name: "nOnE with signature", token: signToken(secret, `{"alg":"nOnE","typ":"JWT"}`, validPayload)},
		{name: "HS384 header, HS256 signature", token: signToken(secret, `{"alg":"HS384"}`, validPayload)},
		{name: "HS512 header, HS256 signature", token: signToken(secret, `{"alg":"HS512"}`, validPayload)},
		{name: "HS512 header, HS512 signature", token: hs512(`{"alg":"HS512"}`)},
		{name: "RS256 header", token: signToken(secret, `{"alg":"RS256"}`, validPayload)},
		{name: "ES256 header", token: signToken(secret, `{"alg":"ES256"}`, validPayload)},
		{name: "PS256 header", token: signToken(secret, `{"alg":"PS256"}`, validPayload)},
		{name: "EdDSA header", token: signToken(secret, `{"alg":"EdDSA"}`, validPayload)},
		{name: "lower-case hs256", token: signToken(secret, `{"alg":"hs256"}`, validPayload)},
		{name: "HS256 with trailing space", token: signToken(secret, `{"alg":"HS256 "}`, validPayload)},
		{name: "escaped HS256 with NUL", token: signToken(secret, `{"alg":"HS256\u0000"}`, validPayload)},
		{name: "empty alg", token: signToken(secret, `{"alg":""}`, validPayload)},
		{name: "null alg", token: signToken(secret, `{"alg":null}`, validPayload)},
		{name: "numeric alg", token: signToken(secret, `{"alg":256}`, validPayload)},
		{name: "array alg", token: signToken(secret, `{"alg":["HS256"]}`, validPayload)},
		{name: "missing alg", token: signToken(secret, `{"typ":"JWT"}`, validPayload)},
		{name: "empty header", token: signToken(secret, `{}`, validPayload)},
		{name: "header is an array", token: signToken(secret, `[{"alg":"HS256"}]`, validPayload)},
		{name: "header is a string", token: signToken(secret, `"HS256"`, validPayload)},
		{name: "header with trailing data", token: signToken(secret, `{"alg":"HS256"}{}`, validPayload)},
		{name: "header not JSON", token: signToken(secret, `alg=HS256`, validPayload)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify(m, tt.token)
			if tt.ok {
				checkErr(t, err, nil)
				return
			}
			checkOnly(t, err, session.ErrInvalid)
		})
	}
}

func TestCompactHeaderMembers(t *testing.T) {
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, `{"keys":[]}`)
	}))
	defer srv.Close()
	attacker := newSecret(t)
	attackerJWK := `{"kty":"oct","k":"` + base64.RawURLEncoding.EncodeToString(attacker) + `"}`

	tests := []struct {
		name   string
		header string
		secret []byte // default: the server's secret
		ok     bool
	}{
		{name: "typ JWT", header: `{"alg":"HS256","typ":"JWT"}`, ok: true},
		{name: "typ jwt", header: `{"alg":"HS256","typ":"jwt"}`, ok: true},
		{name: "typ JWS", header: `{"alg":"HS256","typ":"JWS"}`},
		{name: "typ at+jwt", header: `{"alg":"HS256","typ":"at+jwt"}`},
		{name: "typ empty", header: `{"alg":"HS256","typ":""}`},
		{name: "typ number", header: `{"alg":"HS256","typ":1}`},
		{name: "typ null", header: `{"alg":"HS256","typ":null}`},
		{name: "crit with a name", header: `{"alg":"HS256","crit":["exp"],"exp":1}`},
		{name: "crit empty", header: `{"alg":"HS256","crit":[]}`},
		{name: "crit string", header: `{"alg":"HS256","crit":"b64"}`},
		{name: "b64 false", header: `{"alg":"HS256","b64":false,"crit":["b64"]}`},
		{name: "b64 false without crit", header: `{"alg":"HS256","b64":false}`},
		{name: "b64 true", header: `{"alg":"HS256","b64":true}`},
		{name: "enc", header: `{"alg":"HS256","enc":"A128GCM"}`},
		{name: "zip", header: `{"alg":"HS256","zip":"DEF"}`},
		{name: "unknown member", header: `{"alg":"HS256","foo":{"bar":[1,2]}}`, ok: true},
		{name: "jku ignored", header: `{"alg":"HS256","jku":"` + srv.URL + `/jwks"}`, ok: true},
		{name: "x5u ignored", header: `{"alg":"HS256","x5u":"` + srv.URL + `/cert"}`, ok: true},
		{name: "x5c ignored", header: `{"alg":"HS256","x5c":["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]}`, ok: true},
		{name: "jwk ignored", header: `{"alg":"HS256","jwk":` + attackerJWK + `}`, ok: true},
		{name: "all key hints ignored", header: `{"alg":"HS256","typ":"JWT","jku":"` + srv.URL + `","x5u":"` + srv.URL + `","x5c":["AA"],"jwk":` + attackerJWK + `}`, ok: true},
		{name: "signed with the embedded jwk", header: `{"alg":"HS256","jwk":` + attackerJWK + `}`, secret: attacker},
		{name: "signed with the key at jku", header: `{"alg":"HS256","jku":"` + srv.URL + `/jwks"}`, secret: attacker},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := secret
			if tt.secret != nil {
				key = tt.secret
			}
			_, err := verify(m, signToken(key, tt.header, validPayload))
			if tt.ok {
				checkErr(t, err, nil)
			} else {
				checkOnly(t, err, session.ErrInvalid)
			}
			if n := hits.Load(); n != 0 {
				t.Fatalf("got %d requests to the URL in the header, want none", n)
			}
		})
	}
}

func TestCompactKid(t *testing.T) {
	secret := newSecret(t)
	clock := newClock(t0)
	plain := newManager(t, secret, clock, session.Options{})
	m, err := session.New(session.HS256(secret).WithID("k1"), session.Options{Clock: clock.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	t.Run("issued header without key id", func(t *testing.T) {
		h := headerOf(t, issue(t, plain, "u", nil).Value)
		if _, ok := h["kid"]; ok || h["alg"] != "HS256" || h["typ"] != "JWT" {
			t.Fatalf("header: got %v, want alg HS256, typ JWT and no kid", h)
		}
	})
	t.Run("issued header with key id", func(t *testing.T) {
		tok := issue(t, m, "u", nil).Value
		h := headerOf(t, tok)
		if h["kid"] != "k1" || h["alg"] != "HS256" {
			t.Fatalf("header: got %v, want alg HS256 and kid k1", h)
		}
		mustVerify(t, m, tok)
	})

	other := newSecret(t)
	tests := []struct {
		name   string
		m      *session.Manager
		header string
		secret []byte
		ok     bool
	}{
		{name: "no key id: kid ignored", m: plain, header: `{"alg":"HS256","kid":"anything"}`, ok: true},
		{name: "no key id: no kid", m: plain, header: `{"alg":"HS256"}`, ok: true},
		{name: "no key id: empty kid", m: plain, header: `{"alg":"HS256","kid":""}`},
		{name: "no key id: kid of another key", m: plain, header: `{"alg":"HS256","kid":"k1"}`, secret: other},
		{name: "key id: matching kid", m: m, header: `{"alg":"HS256","kid":"k1"}`, ok: true},
		{name: "key id: no kid", m: m, header: `{"alg":"HS256"}`, ok: true},
		{name: "key id: unknown kid", m: m, header: `{"alg":"HS256","kid":"k2"}`},
		{name: "key id: kid differs in case", m: m, header: `{"alg":"HS256","kid":"K1"}`},
		{name: "key id: empty kid", m: m, header: `{"alg":"HS256","kid":""}`},
		{name: "key id: numeric kid", m: m, header: `{"alg":"HS256","kid":1}`},
		{name: "key id: null kid", m: m, header: `{"alg":"HS256","kid":null}`},
		{name: "key id: matching kid, other secret", m: m, header: `{"alg":"HS256","kid":"k1"}`, secret: other},
		{name: "key id: matching kid, wrong alg", m: m, header: `{"alg":"HS512","kid":"k1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := secret
			if tt.secret != nil {
				key = tt.secret
			}
			_, err := verify(tt.m, signToken(key, tt.header, validPayload))
			if tt.ok {
				checkErr(t, err, nil)
				return
			}
			checkOnly(t, err, session.ErrInvalid)
		})
	}
}

func TestCompactParts(t *testing.T) {
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	tok := issue(t, m, "u", nil).Value
	p := strings.Split(tok, ".")
	h, pl, s := p[0], p[1], p[2]
	tests := []struct {
		name  string
		token string
	}{
		{name: "empty", token: ""},
		{name: "one part", token: h},
		{name: "two parts", token: h + "." + pl},
		{name: "four parts", token: tok + "." + s},
		{name: "five parts", token: h + "." + pl + "." + s + "." + s + "." + s},
		{name: "JWE shape", token: b64(`{"alg":"dir","enc":"A128GCM"}`) + "..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA"},
		{name: "one dot", token: "."},
		{name: "two dots", token: ".."},
		{name: "three dots", token: "..."},
		{name: "empty header", token: "." + pl + "." + s},
		{name: "empty payload", token: h + ".." + s},
		{name: "empty signature", token: h + "." + pl + "."},
		{name: "leading dot", token: "." + tok},
		{name: "trailing dot", token: tok + "."},
		{name: "doubled first dot", token: h + ".." + pl + "." + s},
		{name: "doubled second dot", token: h + "." + pl + ".." + s},
		{name: "JSON serialization", token: `{"payload":"` + pl + `","protected":"` + h + `","signature":"` + s + `"}`},
	}
	mustVerify(t, m, tok)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify(m, tt.token)
			checkOnly(t, err, session.ErrInvalid)
		})
	}
}

// b64alphabet is the base64url alphabet in value order.
const b64alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// nonCanonical returns part with its last character changed so that the
// unused trailing bits are no longer zero: lenient decoders read the same
// bytes, but the spelling is not the canonical one.
func nonCanonical(t *testing.T, part string) string {
	t.Helper()
	i := strings.IndexByte(b64alphabet, part[len(part)-1])
	if i&1 != 0 || len(part)%4 == 0 {
		t.Fatalf("part %q has no spare trailing bits", part)
	}
	out := part[:len(part)-1] + string(b64alphabet[i|1])
	a, errA := base64.RawURLEncoding.DecodeString(part)
	b, errB := base64.RawURLEncoding.DecodeString(out)
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		t.Fatalf("precondition: %q and %q should decode to the same bytes leniently (%v, %v)", part, out, errA, errB)
	}
	return out
}

func TestCompactEncoding(t *testing.T) {
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})

	// A payload whose base64url spelling has both '-' and '_': runs of
	// '>' (0x3e) and '?' (0x3f) always contain an aligned "Pj4-" and "Pz8_".
	oddPayload := `{"user_id":"u","exp":` + unix(t0.Add(time.Hour)) + `,"q":">>>>>>??????"}`
	if e := b64(oddPayload); !strings.ContainsAny(e, "-") || !strings.ContainsAny(e, "_") {
		t.Fatalf("precondition: %q should contain '-' and '_'", e)
	}
	// A signature with '-' or '_' in it, found by varying a claim.
	var withSig string
	for i := 0; withSig == "" && i < 1000; i++ {
		tok := signToken(secret, hs256Header, `{"user_id":"u","exp":`+unix(t0.Add(time.Hour))+`,"n":`+fmt.Sprint(i)+`}`)
		if strings.ContainsAny(tok[strings.LastIndexByte(tok, '.'):], "-_") {
			withSig = tok
		}
	}
	if withSig == "" {
		t.Fatalf("precondition: no signature with '-' or '_' found")
	}
	sigDot := strings.LastIndexByte(withSig, '.')
	sigStd := base64.RawStdEncoding.EncodeToString(mustDecode(t, withSig[sigDot+1:]))

	// Payload lengths with spare trailing bits: 4 bits when len%3 == 1.
	spare := validPayload
	for len(spare)%3 != 1 {
		spare += " "
	}
	hdrSpare := `{"alg":"HS256" }` // 16 bytes: 4 spare bits
	valid := signToken(secret, hs256Header, validPayload)
	mustVerify(t, m, valid)
	mustVerify(t, m, signToken(secret, hs256Header, spare))
	mustVerify(t, m, signToken(secret, hdrSpare, validPayload))
	mustVerify(t, m, signToken(secret, hs256Header, oddPayload))
	mustVerify(t, m, withSig)
	sig := valid[strings.LastIndexByte(valid, '.')+1:]

	tests := []struct {
		name  string
		token string
	}{
		{name: "padded header", token: signEncoded(secret, b64(hs256Header)+"=", b64(validPayload))},
		{name: "padded payload", token: signEncoded(secret, b64(hs256Header), base64.URLEncoding.EncodeToString([]byte(spare)))},
		{name: "padded signature", token: valid + "="},
		{name: "padded signature, two", token: valid + "=="},
		{name: "standard alphabet payload", token: signEncoded(secret, b64(hs256Header), base64.RawStdEncoding.EncodeToString([]byte(oddPayload)))},
		{name: "standard alphabet signature", token: withSig[:sigDot+1] + sigStd},
		{name: "non-canonical signature", token: valid[:len(valid)-len(sig)] + nonCanonical(t, sig)},
		{name: "non-canonical payload", token: signEncoded(secret, b64(hs256Header), nonCanonical(t, b64(spare)))},
		{name: "non-canonical header", token: signEncoded(secret, nonCanonical(t, b64(hdrSpare)), b64(validPayload))},
		{name: "space before", token: " " + valid},
		{name: "space after", token: valid + " "},
		{name: "newline after", token: valid + "\n"},
		{name: "CRLF after", token: valid + "\r\n"},
		{name: "newline inside header", token: valid[:10] + "\n" + valid[10:]},
		{name: "space after a dot", token: strings.Replace(valid, ".", ". ", 1)},
		{name: "tab inside signature", token: valid[:len(valid)-5] + "\t" + valid[len(valid)-5:]},
		{name: "NUL inside", token: valid[:20] + "\x00" + valid[20:]},
		{name: "percent-encoded", token: valid[:20] + "%2B" + valid[20:]},
		{name: "non-ASCII", token: valid[:20] + "é" + valid[20:]},
		{name: "quote", token: `"` + valid + `"`},
		{name: "Bearer prefix", token: "Bearer " + valid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify(m, tt.token)
			checkOnly(t, err, session.ErrInvalid)
		})
	}
}

func mustDecode(t *testing.T, part string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatalf("decode %q: %v", part, err)
	}
	return b
}

// signedOfLength returns a correctly signed token of exactly n bytes.
// Base64 never yields lengths ≡ 1 mod 4, so when the payload cannot reach
// n on its own, a header two characters longer shifts it.
func signedOfLength(t *testing.T, secret []byte, n int) string {
	t.Helper()
	for _, header := range []string{hs256Header, `{"alg":"HS256","typ":"JWT" }`} {
		// Start a little below the estimate: payload ≈ ¾ of the token.
		for pad := max(0, (n-100)*3/4-100); pad < n; pad++ {
			tok := signToken(secret, header, `{"user_id":"u","exp":`+unix(t0.Add(time.Hour))+`,"pad":"`+strings.Repeat("x", pad)+`"}`)
			if len(tok) == n {
				return tok
			}
			if len(tok) > n {
				break
			}
		}
	}
	t.Fatalf("no signed token of exactly %d bytes", n)
	return ""
}

func TestCompactSizeCap(t *testing.T) {
	secret := newSecret(t)
	clock := newClock(t0)
	def := newManager(t, secret, clock, session.Options{})
	atCap := signedOfLength(t, secret, defaultMaxTokenSize)
	overCap := signedOfLength(t, secret, defaultMaxTokenSize+1)

	const small = 512
	capped := newManager(t, secret, clock, session.Options{MaxTokenSize: small})
	big := newManager(t, secret, clock, session.Options{MaxTokenSize: 1 << 20})
	atSmall := signedOfLength(t, secret, small)
	overSmall := signedOfLength(t, secret, small+1)
	dots := strings.Repeat(".", 500_000)
	junk := strings.Repeat("a", 8<<10+1)

	tests := []struct {
		name  string
		m     *session.Manager
		token string
		ok    bool
	}{
		{name: "default: at the cap", m: def, token: atCap, ok: true},
		{name: "default: one byte over, correctly signed", m: def, token: overCap},
		{name: "option: at the cap", m: capped, token: atSmall, ok: true},
		{name: "option: one byte over, correctly signed", m: capped, token: overSmall},
		{name: "option: default-sized token", m: capped, token: atCap},
		{name: "default: 500000 dots", m: def, token: dots},
		{name: "large cap: 500000 dots", m: big, token: dots},
		{name: "default: 8 KiB of junk", m: def, token: junk},
		{name: "default: 8 KiB of junk in three parts", m: def, token: "a." + junk + ".a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify(tt.m, tt.token)
			if tt.ok {
				checkErr(t, err, nil)
				return
			}
			checkOnly(t, err, session.ErrInvalid)
		})
	}

	// Rejecting an oversized token does no per-byte work that allocates:
	// the check comes before any decoding.
	for name, tok := range map[string]string{"dots": dots, "junk": junk, "signed": overCap} {
		if n := testing.AllocsPerRun(20, func() { _, _ = verify(def, tok) }); n != 0 {
			t.Errorf("%s: got %v allocations per rejection, want 0", name, n)
		}
	}
}

func TestCompactBitFlips(t *testing.T) {
	secret := newSecret(t)
	clock := newClock(t0)
	for _, tc := range []struct {
		name string
		m    *session.Manager
	}{
		{name: "plain key", m: newManager(t, secret, clock, session.Options{Issuer: "iss", Audience: []string{"aud"}})},
		{name: "key with id", m: func() *session.Manager {
			m, err := session.New(session.HS256(secret).WithID("k1"), session.Options{Clock: clock.Now})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			return m
		}()},
	} {
		tok := issue(t, tc.m, "user-1", map[string]any{"role": "admin"}).Value
		mustVerify(t, tc.m, tok)
		parts := strings.Split(tok, ".")
		for i, name := range []string{"header", "payload", "signature"} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				raw := mustDecode(t, parts[i])
				flips := 0
				for byteIdx := range raw {
					for bit := range 8 {
						mut := bytes.Clone(raw)
						mut[byteIdx] ^= 1 << bit
						p := append([]string(nil), parts...)
						p[i] = base64.RawURLEncoding.EncodeToString(mut)
						bad := strings.Join(p, ".")
						if _, err := verify(tc.m, bad); !errorsIsInvalid(err) {
							t.Fatalf("byte %d bit %d: got %v, want ErrInvalid", byteIdx, bit, err)
						}
						flips++
					}
				}
				if flips != 8*len(raw) || flips == 0 {
					t.Fatalf("got %d flips, want %d", flips, 8*len(raw))
				}
			})
		}
	}
}

func errorsIsInvalid(err error) bool {
	for _, s := range sentinels {
		if s != session.ErrInvalid && errors.Is(err, s) {
			return false
		}
	}
	return errors.Is(err, session.ErrInvalid)
}
