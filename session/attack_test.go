package session_test

// The attack suite: one test per family of known JWT attacks (RFC 8725,
// RFC 7515/7518/7519 and the published attacks on JWT libraries), each
// case named after the attack it stands for. Cases the other tests
// already pin down are not repeated here:
//
//   - alg none/None/NONE, HS512 signed, RS/ES/PS/EdDSA headers, malformed
//     alg values: TestCompactAlgorithm.
//   - crit, b64, enc, zip, typ, and jku/x5u/x5c/jwk against a test server:
//     TestCompactHeaderMembers; kid selection: TestCompactKid.
//   - part counts, empty parts, JWE shape: TestCompactParts; padding,
//     alphabet, trailing bits, white space: TestCompactEncoding.
//   - duplicates, case variants of claim names, nesting, UTF-8, surrogates,
//     NUL, non-objects: decode_test.go.
//   - time claims of every wrong type and range, fractions: TestDecodeTimeClaims,
//     TestDecodeFractionalTimes; exp and leeway boundaries:
//     TestVerifyExpiryBoundaries, TestVerifyNotYetValid; aud shapes:
//     TestDecodeAudience; iss and aud checks: TestVerifyIssuerAudience;
//     user_id type confusion: TestDecodeUserID.
//   - refreshing expired, revoked and over-age sessions: TestRefreshErrors,
//     TestRenewAtMaxLifetime, TestRevoke (and TestAttackSessionLifecycle
//     here, as attacks).
//
// Key confusion against asymmetric keys and malformed key material are in
// attack_asym_test.go, names that equal a registered one only under
// Unicode case folding in attack_fold_test.go, the cost of hostile input
// in bounds_test.go, the fuzz targets in fuzz_test.go, other libraries'
// tokens in crosslib_test.go, and the HTTP family in
// middleware/attack_test.go.

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// macToken signs header and payload with HMAC over h and key, whatever
// the header says: the forger's tool.
func macToken(h func() hash.Hash, key []byte, header, payload string) string {
	in := b64(header) + "." + b64(payload)
	mac := hmac.New(h, key)
	mac.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// publicKeyForms returns the public keys of a fresh RSA, EC and Ed25519
// key pair in every form an attacker might feed to an HMAC as its secret.
func publicKeyForms(t *testing.T) map[string][]byte {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("rsa.GenerateKey: %v", err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey: %v", err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("ed25519.GenerateKey: %v", err)
	}
	forms := map[string][]byte{}
	for _, pub := range []any{&rsaKey.PublicKey, &ecKey.PublicKey, edPub} {
		for name, b := range publicKeyFormsOf(t, pub) {
			forms[name] = b
		}
	}
	return forms
}

// publicKeyFormsOf returns pub in every form an attacker might feed to an
// HMAC as its secret: PEM (with and without the final newline), DER,
// raw bytes and JWK.
func publicKeyFormsOf(t *testing.T, pub any) map[string][]byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatalf("MarshalPKIXPublicKey: %v", err)
	}
	enc := base64.RawURLEncoding
	var kind, jwk string
	var raw []byte
	forms := map[string][]byte{}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		kind, raw = "RSA", x509.MarshalPKCS1PublicKey(k)
		jwk = `{"kty":"RSA","n":"` + enc.EncodeToString(k.N.Bytes()) + `","e":"AQAB"}`
		forms["RSA PKCS#1 PEM"] = pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: raw})
	case *ecdsa.PublicKey:
		e, err := k.ECDH()
		if err != nil {
			t.Fatalf("ECDH: %v", err)
		}
		kind, raw = "EC", e.Bytes() // 0x04 || X || Y
		jwk = `{"kty":"EC","crv":"P-256","x":"` + enc.EncodeToString(raw[1:33]) + `","y":"` + enc.EncodeToString(raw[33:]) + `"}`
	case ed25519.PublicKey:
		kind, raw = "Ed25519", k
		jwk = `{"kty":"OKP","crv":"Ed25519","x":"` + enc.EncodeToString(k) + `"}`
	default:
		t.Fatalf("unsupported public key %T", pub)
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	forms[kind+" PEM"] = p
	forms[kind+" PEM without final newline"] = p[:len(p)-1]
	forms[kind+" DER"] = der
	forms[kind+" raw"] = raw
	forms[kind+" JWK"] = []byte(jwk)
	return forms
}

// TestAttackAlgorithmConfusion is the key-confusion attack (CVE-2015-9235
// and its many relatives): a token HMAC-signed with the bytes of a public
// key, under every algorithm a confused verifier might pick. An HS256
// Manager must reject every one; TestAttackAsymmetricConfusion makes the
// same forgeries against Managers that hold the public key.
func TestAttackAlgorithmConfusion(t *testing.T) {
	secret := newSecret(t)
	clock := newClock(t0)
	m := newManager(t, secret, clock, session.Options{})
	hashes := map[string]func() hash.Hash{
		"HS256": sha256.New, "HS384": sha512.New384, "HS512": sha512.New,
		"RS256": sha256.New, "RS512": sha512.New, "PS256": sha256.New,
		"ES256": sha256.New, "ES384": sha512.New384, "EdDSA": sha256.New,
	}
	for form, key := range publicKeyForms(t) {
		for alg, h := range hashes {
			t.Run(form+"/"+alg, func(t *testing.T) {
				tok := macToken(h, key, `{"alg":"`+alg+`","typ":"JWT"}`, validPayload)
				_, err := verify(m, tok)
				checkOnly(t, err, session.ErrInvalid)
				// Calibration: a Manager whose secret is those very bytes
				// accepts the HS256 forgery, so the rejection above is the
				// key's doing, not a malformed token's.
				if alg == "HS256" && len(key) >= minHMACSecretSize {
					mustVerify(t, newManager(t, key, clock, session.Options{}), tok)
				}
			})
		}
	}
}

// algCase is a token and whether it must verify.
type algCase struct {
	name  string
	token string
	ok    bool
}

// TestAttackAlgorithm covers the header alg tricks that
// TestCompactAlgorithm does not: none with every kind of signature,
// algorithm swaps within the HMAC family signed with the server's own
// secret, and spellings that differ from the pinned "HS256".
func TestAttackAlgorithm(t *testing.T) {
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	withSig := func(header, sig string) string { return b64(header) + "." + b64(validPayload) + "." + sig }
	hs256Sig := func(header string) string {
		tok := signToken(secret, header, validPayload)
		return tok[strings.LastIndexByte(tok, '.')+1:]
	}
	tests := []algCase{
		{name: "control: HS256", token: signToken(secret, `{"alg":"HS256"}`, validPayload), ok: true},
		{name: "control: alg spelled with JSON escapes is HS256", token: signToken(secret, `{"alg":"HS\u0032\u0035\u0036"}`, validPayload), ok: true},
		{name: "control: alg after other members", token: signToken(secret, `{"typ":"JWT","x":[1,{"alg":"none"}],"alg":"HS256"}`, validPayload), ok: true},
	}
	for _, none := range []string{"none", "None", "NONE", "nOnE", "NoNe", "nonE"} {
		h := `{"alg":"` + none + `","typ":"JWT"}`
		tests = append(tests,
			algCase{name: "alg " + none + ": signature part absent (two parts)", token: b64(h) + "." + b64(validPayload)},
			algCase{name: "alg " + none + ": empty signature", token: withSig(h, "")},
			algCase{name: "alg " + none + ": junk signature", token: withSig(h, "AAAA")},
			algCase{name: "alg " + none + ": HMAC of the server's secret", token: withSig(h, hs256Sig(h))},
			algCase{name: "alg " + none + ": HMAC with an empty key", token: macToken(sha256.New, nil, h, validPayload)},
		)
	}
	more := []algCase{
		{name: "swap to HS384, signed HS384 with the server's secret", token: macToken(sha512.New384, secret, `{"alg":"HS384","typ":"JWT"}`, validPayload)},
		{name: "swap to HS512, signed HS512 with the server's secret", token: macToken(sha512.New, secret, `{"alg":"HS512","typ":"JWT"}`, validPayload)},
		{name: "HS256 header over an HS512 signature", token: macToken(sha512.New, secret, `{"alg":"HS256","typ":"JWT"}`, validPayload)},
		{name: "HS256 header over an HS384 signature", token: macToken(sha512.New384, secret, `{"alg":"HS256","typ":"JWT"}`, validPayload)},
		{name: "HS256 header over an HS512 signature cut to 32 bytes", token: func() string {
			tok := macToken(sha512.New, secret, `{"alg":"HS256"}`, validPayload)
			i := strings.LastIndexByte(tok, '.')
			sig := mustDecode(t, tok[i+1:])
			return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig[:32])
		}()},
		{name: "HS256 signature cut to 16 bytes", token: func() string {
			tok := signToken(secret, `{"alg":"HS256"}`, validPayload)
			i := strings.LastIndexByte(tok, '.')
			sig := mustDecode(t, tok[i+1:])
			return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig[:16])
		}()},
		{name: "HS256 signature with a byte appended", token: func() string {
			tok := signToken(secret, `{"alg":"HS256"}`, validPayload)
			i := strings.LastIndexByte(tok, '.')
			sig := append(mustDecode(t, tok[i+1:]), 0)
			return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
		}()},
		{name: "alg Hs256", token: signToken(secret, `{"alg":"Hs256"}`, validPayload)},
		{name: "alg hS256", token: signToken(secret, `{"alg":"hS256"}`, validPayload)},
		{name: "alg with leading space", token: signToken(secret, `{"alg":" HS256"}`, validPayload)},
		{name: "alg HS-256", token: signToken(secret, `{"alg":"HS-256"}`, validPayload)},
		{name: "alg HMAC-SHA256", token: signToken(secret, `{"alg":"HMAC-SHA256"}`, validPayload)},
		{name: "alg HS2560", token: signToken(secret, `{"alg":"HS2560"}`, validPayload)},
		{name: "alg HS25", token: signToken(secret, `{"alg":"HS25"}`, validPayload)},
		{name: "alg with zero-width space", token: signToken(secret, "{\"alg\":\"HS256\u200b\"}", validPayload)},
		{name: "alg in full-width letters", token: signToken(secret, `{"alg":"ＨＳ２５６"}`, validPayload)},
		{name: "alg as object", token: signToken(secret, `{"alg":{"name":"HS256"}}`, validPayload)},
		{name: "alg true", token: signToken(secret, `{"alg":true}`, validPayload)},
		{name: "alg HS256 then none", token: signToken(secret, `{"alg":"HS256","alg":"none"}`, validPayload)},
	}
	tests = append(tests, more...)
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

// recordingTransport is an http.RoundTripper that records every request
// and answers none: installed as http.DefaultTransport, it proves that
// verification never fetches a key.
type recordingTransport struct {
	mu   sync.Mutex
	urls []string
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.urls = append(rt.urls, r.URL.String())
	return nil, errors.New("test: outbound request recorded and refused")
}

func (rt *recordingTransport) requests() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]string(nil), rt.urls...)
}

// countingListener counts the connections accepted.
type countingListener struct {
	net.Listener
	accepted atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// selfSignedCert returns the DER of a fresh self-signed certificate.
func selfSignedCert(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "attacker.test"},
		NotBefore:    t0.Add(-time.Hour),
		NotAfter:     t0.Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("CreateCertificate: %v", err)
	}
	return der
}

// TestAttackTokenSuppliedKeys is the embedded-key and remote-key attack
// (CVE-2018-0114 and the jku/x5u SSRF family): a token names or carries
// its own key. Verification must use the configured key only and never
// make a request: a recording http.DefaultTransport and a counting
// listener behind every URL both stay silent.
func TestAttackTokenSuppliedKeys(t *testing.T) {
	rt := &recordingTransport{}
	saved := http.DefaultTransport
	http.DefaultTransport = rt
	t.Cleanup(func() { http.DefaultTransport = saved })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	cl := &countingListener{Listener: ln}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("got a request for %s, want none", r.URL)
	}))
	srv.Listener = cl
	srv.Start()
	t.Cleanup(srv.Close)

	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	attacker := newSecret(t)
	enc := base64.RawURLEncoding
	octJWK := `{"kty":"oct","k":"` + enc.EncodeToString(attacker) + `"}`
	cert := selfSignedCert(t)
	x5c := `["` + base64.StdEncoding.EncodeToString(cert) + `"]`
	forms := publicKeyForms(t)

	tests := []struct {
		name   string
		header string
		key    []byte // HMAC key the forger used; nil means the server's
		ok     bool
	}{
		{name: "jwk oct with the attacker's secret", header: `{"alg":"HS256","jwk":` + octJWK + `}`, key: attacker},
		{name: "jwk RSA, HMAC with its bytes", header: `{"alg":"HS256","jwk":` + string(forms["RSA JWK"]) + `}`, key: forms["RSA JWK"]},
		{name: "jwk EC under RS256", header: `{"alg":"RS256","jwk":` + string(forms["EC JWK"]) + `}`, key: forms["EC JWK"]},
		{name: "jku to the attacker's JWKS", header: `{"alg":"HS256","jku":"` + srv.URL + `/jwks.json"}`, key: attacker},
		{name: "jku to cloud metadata (SSRF)", header: `{"alg":"HS256","jku":"http://169.254.169.254/latest/meta-data/"}`, key: attacker},
		{name: "jku to a file", header: `{"alg":"HS256","jku":"file:///etc/passwd"}`, key: attacker},
		{name: "x5u to the attacker's certificate", header: `{"alg":"HS256","x5u":"` + srv.URL + `/cert.pem"}`, key: attacker},
		{name: "x5c with a self-signed certificate", header: `{"alg":"HS256","x5c":` + x5c + `}`, key: cert},
		{name: "x5c under ES256", header: `{"alg":"ES256","x5c":` + x5c + `}`, key: cert},
		{name: "jku, x5u, jwk and x5c together", header: `{"alg":"HS256","jku":"` + srv.URL + `","x5u":"` + srv.URL + `","jwk":` + octJWK + `,"x5c":` + x5c + `}`, key: attacker},
		{name: "control: jku ignored on a genuine token", header: `{"alg":"HS256","jku":"` + srv.URL + `/jwks.json"}`, ok: true},
		{name: "control: x5u ignored on a genuine token", header: `{"alg":"HS256","x5u":"` + srv.URL + `/cert.pem"}`, ok: true},
		{name: "control: jwk ignored on a genuine token", header: `{"alg":"HS256","jwk":` + octJWK + `}`, ok: true},
		{name: "control: x5c ignored on a genuine token", header: `{"alg":"HS256","x5c":` + x5c + `}`, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := secret
			if tt.key != nil {
				key = tt.key
			}
			_, err := verify(m, signToken(key, tt.header, validPayload))
			if tt.ok {
				checkErr(t, err, nil)
			} else {
				checkOnly(t, err, session.ErrInvalid)
			}
			if got := rt.requests(); len(got) != 0 {
				t.Fatalf("got outbound requests %q, want none", got)
			}
			if n := cl.accepted.Load(); n != 0 {
				t.Fatalf("got %d connections to the URL in the header, want none", n)
			}
		})
	}
}

// TestAttackKid is the kid injection family: kid used as a file path
// (../../dev/null, signed with the empty file's content), in SQL or a
// shell, oversized, or of another JSON type. kid is only a map key: with
// a key id configured, anything but that id is rejected; without one, kid
// is ignored and the forgeries fail on their signature.
func TestAttackKid(t *testing.T) {
	secret := newSecret(t)
	clock := newClock(t0)
	plain := newManager(t, secret, clock, session.Options{})
	withID, err := session.New(session.HS256(secret).WithID("k1"), session.Options{Clock: clock.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	big := newManager(t, secret, clock, session.Options{MaxTokenSize: 1 << 20})
	pwned := filepath.Join(t.TempDir(), "pwned")

	quote := func(s string) string { return string(appendQuoted(nil, s)) }
	kids := []struct {
		name string
		json string // the kid value as JSON text
	}{
		{"path traversal to /dev/null", quote("../../../../../../dev/null")},
		{"absolute path", quote("/dev/null")},
		{"path traversal to a key file", quote("../../../../etc/ssl/private/server.key")},
		{"Windows path traversal", quote(`..\..\..\windows\win.ini`)},
		{"URL-encoded traversal", quote("..%2f..%2f..%2fdev%2fnull")},
		{"SQL injection", quote("x' UNION SELECT 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' -- ")},
		{"SQL tautology", quote("' OR '1'='1")},
		{"shell command substitution", quote("$(touch " + pwned + ")")},
		{"shell backticks", quote("`touch " + pwned + "`")},
		{"shell separator", quote("k1; touch " + pwned)},
		{"LDAP/NoSQL operators", quote(`{"$ne":null}`)},
		{"CRLF injection", quote("k1\r\nX-Injected: 1")},
		{"4 KiB kid", quote(strings.Repeat("k", 4<<10))},
		{"kid escaping to the key id", `"\u006b1x"`},
		{"number", `1`},
		{"zero", `0`},
		{"true", `true`},
		{"null", `null`},
		{"array holding the key id", `["k1"]`},
		{"object", `{"kid":"k1"}`},
		{"empty", `""`},
		{"escaped NUL", `"k1\u0000"`},
		{"lone surrogate", `"k1\ud800"`},
		{"invalid UTF-8", "\"k1\xff\""},
	}
	// stringKid: a kid the plain Manager ignores when the token is genuine;
	// a kid that pushes the header past its 2 KiB bound is refused.
	stringKid := func(j string) bool {
		return j[0] == '"' && j != `""` && !strings.Contains(j, `\u0000`) && !strings.Contains(j, `\ud800`) && !strings.Contains(j, "\xff") && len(j) < 1<<10
	}
	for _, k := range kids {
		header := `{"alg":"HS256","typ":"JWT","kid":` + k.json + `}`
		t.Run(k.name, func(t *testing.T) {
			// Forgeries: signed with the empty content of /dev/null, with
			// the kid's own text, and with an attacker's secret.
			for _, key := range [][]byte{{}, []byte(k.json), newSecret(t)} {
				for _, mm := range []*session.Manager{plain, withID} {
					_, err := verify(mm, macToken(sha256.New, key, header, validPayload))
					checkOnly(t, err, session.ErrInvalid)
				}
			}
			// The genuine secret: a Manager with a key id refuses any other
			// kid; without one, a well-formed string kid is ignored.
			genuine := signToken(secret, header, validPayload)
			_, err := verify(withID, genuine)
			checkOnly(t, err, session.ErrInvalid)
			_, err = verify(plain, genuine)
			if stringKid(k.json) {
				checkErr(t, err, nil)
			} else {
				checkOnly(t, err, session.ErrInvalid)
			}
			if _, err := os.Stat(pwned); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("got %s created (%v), want the kid never run", pwned, err)
			}
		})
	}
	t.Run("700 KiB kid under a 1 MiB cap", func(t *testing.T) {
		header := `{"alg":"HS256","kid":"` + strings.Repeat("k", 700<<10) + `"}`
		_, err := verify(big, macToken(sha256.New, nil, header, validPayload))
		checkOnly(t, err, session.ErrInvalid)
	})
	t.Run("1 MiB kid under the default cap", func(t *testing.T) {
		header := `{"alg":"HS256","kid":"` + strings.Repeat("k", 1<<20) + `"}`
		_, err := verify(plain, signToken(secret, header, validPayload))
		checkOnly(t, err, session.ErrInvalid)
	})
}

// appendQuoted appends s as a JSON string, escaping only what JSON needs.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = fmt.Appendf(dst, `\u%04x`, c)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// TestAttackSerialization covers the forms other than a three-part
// compact JWS that lenient parsers accept: crit extensions, RFC 7797
// unencoded payloads, the JWS JSON serializations, JWE, and part counts
// other than three, each carrying a correct HMAC of the server's secret
// wherever the form has one.
func TestAttackSerialization(t *testing.T) {
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	valid := signToken(secret, hs256Header, validPayload)
	h, p, s := func() (string, string, string) {
		a, rest, _ := strings.Cut(valid, ".")
		b, c, _ := strings.Cut(rest, ".")
		return a, b, c
	}()
	unencoded := func(header string) string {
		in := b64(header) + "." + validPayload
		return in + "." + hmacSig(secret, in)
	}
	tests := []struct {
		name  string
		token string
	}{
		{name: "crit naming an unknown extension", token: signToken(secret, `{"alg":"HS256","crit":["http://example.com/ext"],"http://example.com/ext":true}`, validPayload)},
		{name: "crit naming a registered header", token: signToken(secret, `{"alg":"HS256","crit":["alg"]}`, validPayload)},
		{name: "crit null", token: signToken(secret, `{"alg":"HS256","crit":null}`, validPayload)},
		{name: "crit spelled with an escape", token: signToken(secret, `{"alg":"HS256","\u0063rit":["exp"]}`, validPayload)},
		{name: "crit inside an ignored member is just data", token: signToken(secret, `{"alg":"HS256","x":{"crit":["b64"]},"crit":["b64"]}`, validPayload)},
		{name: "b64 false, unencoded payload (RFC 7797)", token: unencoded(`{"alg":"HS256","b64":false,"crit":["b64"]}`)},
		{name: "b64 false, detached payload", token: func() string {
			tok := signToken(secret, `{"alg":"HS256","b64":false,"crit":["b64"]}`, validPayload)
			a, rest, _ := strings.Cut(tok, ".")
			_, c, _ := strings.Cut(rest, ".")
			return a + ".." + c
		}()},
		{name: "unencoded payload under a plain header", token: unencoded(hs256Header)},
		{name: "JSON serialization, flattened", token: `{"protected":"` + h + `","payload":"` + p + `","signature":"` + s + `"}`},
		{name: "JSON serialization, general", token: `{"payload":"` + p + `","signatures":[{"protected":"` + h + `","signature":"` + s + `"}]}`},
		{name: "JSON serialization, general, two signatures", token: `{"payload":"` + p + `","signatures":[{"protected":"` + h + `","signature":"AAAA"},{"protected":"` + h + `","signature":"` + s + `"}]}`},
		{name: "JSON serialization with white space", token: "{\n \"protected\": \"" + h + "\",\n \"payload\": \"" + p + "\",\n \"signature\": \"" + s + "\"\n}"},
		{name: "JWE, dir with five non-empty parts", token: b64(`{"alg":"dir","enc":"A256GCM"}`) + ".AAAA.AAAAAAAAAAAAAAAA." + p + ".AAAAAAAAAAAAAAAAAAAAAA"},
		{name: "JWE, RSA-OAEP", token: b64(`{"alg":"RSA-OAEP","enc":"A128GCM"}`) + "." + s + ".AAAAAAAAAAAAAAAA." + p + ".AAAAAAAAAAAAAAAAAAAAAA"},
		{name: "JWE header with a JWS body", token: signToken(secret, `{"alg":"HS256","enc":"A128CBC-HS256"}`, validPayload)},
		{name: "JWE-nested content type", token: signToken(secret, `{"alg":"HS256","cty":"JWT","enc":"A128GCM"}`, validPayload)},
		{name: "valid JWS with two parts appended", token: valid + ".AAAA.AAAA"},
		{name: "valid JWS with an empty part appended", token: valid + "."},
		{name: "one part", token: h},
		{name: "two parts, signature dropped", token: h + "." + p},
		{name: "four parts, payload twice", token: h + "." + p + "." + p + "." + s},
		{name: "six parts", token: strings.Repeat(h+".", 5) + s},
		{name: "seven parts", token: strings.Repeat(h+".", 6) + s},
		{name: "all parts empty", token: ".."},
		{name: "empty header", token: "." + p + "." + s},
		{name: "empty payload", token: h + ".." + s},
		{name: "empty signature", token: h + "." + p + "."},
		{name: "dot inside the signature", token: h + "." + p + "." + s[:10] + "." + s[10:]},
		{name: "dot at the start", token: "." + valid},
		{name: "dots at both ends", token: "." + valid + "."},
		{name: "one dot doubled", token: h + "." + p + ".." + s},
		{name: "only dots", token: strings.Repeat(".", 100)},
	}
	mustVerify(t, m, valid)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify(m, tt.token)
			checkOnly(t, err, session.ErrInvalid)
		})
	}
}

// TestAttackOneSpelling checks that a token has exactly one accepted
// spelling: every substitution of one byte by any other of the 256,
// every deletion of one byte, and every insertion of white space,
// padding, the standard alphabet's '+' and '/', percent signs, NUL or
// non-ASCII bytes, anywhere, is rejected. Lenient base64 decoders accept
// some of these (Go's skips CR and LF, others skip any white space,
// accept padding or both alphabets, or ignore the trailing bits).
func TestAttackOneSpelling(t *testing.T) {
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	// A payload whose length leaves spare trailing bits, so that trailing
	// bit tricks apply to it.
	payload := validPayload
	for len(payload)%3 != 1 {
		payload += " "
	}
	for name, tok := range map[string]string{
		"plain header":  signToken(secret, hs256Header, payload),
		"issued header": issue(t, m, "u", nil).Value,
	} {
		t.Run(name, func(t *testing.T) {
			mustVerify(t, m, tok)
			rejected := func(what, variant string) {
				t.Helper()
				if _, err := verify(m, variant); !errorsIsInvalid(err) {
					t.Fatalf("%s: got %v, want ErrInvalid", what, err)
				}
			}
			for i := 0; i < len(tok); i++ {
				for c := 0; c < 256; c++ {
					if byte(c) != tok[i] {
						rejected(fmt.Sprintf("byte %d replaced by %#x", i, c), tok[:i]+string([]byte{byte(c)})+tok[i+1:])
					}
				}
				rejected(fmt.Sprintf("byte %d deleted", i), tok[:i]+tok[i+1:])
			}
			lastDot := strings.LastIndexByte(tok, '.')
			for i := 0; i <= len(tok); i++ {
				for _, ins := range []string{" ", "\t", "\n", "\r", "\r\n", "\v", "\f", "=", "==", "+", "/", "%", "%2E", "\x00", "\x80", "\xff", "\u00a0", "\u2028", "\ufeff"} {
					variant := tok[:i] + ins + tok[i:]
					rejected(fmt.Sprintf("%q inserted at %d", ins, i), variant)
					if i <= lastDot {
						// Signed again over the altered spelling, so that
						// only the decoder can refuse it: the signer was
						// lenient, the verifier must not be.
						rejected(fmt.Sprintf("%q inserted at %d, signed again", ins, i), resign(secret, variant))
					}
				}
				rejected(fmt.Sprintf("'A' inserted at %d", i), tok[:i]+"A"+tok[i:])
			}
		})
	}
}

// TestAttackHeaderJSON covers the JSON tricks on the protected header that
// decode_test.go covers on the claims: non-objects, members that differ
// from a registered header name only in letter case (which a
// case-insensitive decoder, such as encoding/json on a struct, reads as
// that member), and bad strings in the values this library reads.
func TestAttackHeaderJSON(t *testing.T) {
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	tests := []struct {
		name   string
		header string
	}{
		{name: "null", header: `null`},
		{name: "number", header: `256`},
		{name: "true", header: `true`},
		{name: "empty", header: ``},
		{name: "white space only", header: " \n"},
		{name: "array of members", header: `[["alg","HS256"]]`},
		{name: "ALG none next to alg", header: `{"alg":"HS256","ALG":"none"}`},
		{name: "Alg next to alg", header: `{"alg":"HS256","Alg":"HS256"}`},
		{name: "ALG alone", header: `{"ALG":"HS256"}`},
		{name: "KID next to kid", header: `{"alg":"HS256","kid":"a","KID":"b"}`},
		{name: "Typ next to typ", header: `{"alg":"HS256","typ":"JWT","Typ":"JWS"}`},
		{name: "CRIT", header: `{"alg":"HS256","CRIT":["exp"]}`},
		{name: "Crit", header: `{"alg":"HS256","Crit":["b64"]}`},
		{name: "B64", header: `{"alg":"HS256","B64":false}`},
		{name: "JKU", header: `{"alg":"HS256","JKU":"http://127.0.0.1:1/"}`},
		{name: "Jwk", header: `{"alg":"HS256","Jwk":{"kty":"oct","k":"AAAA"}}`},
		{name: "X5C", header: `{"alg":"HS256","X5C":["AA"]}`},
		{name: "X5U", header: `{"alg":"HS256","X5U":"http://127.0.0.1:1/"}`},
		{name: "ENC", header: `{"alg":"HS256","ENC":"A128GCM"}`},
		{name: "Zip", header: `{"alg":"HS256","Zip":"DEF"}`},
		{name: "alg with invalid UTF-8", header: "{\"alg\":\"HS256\xff\"}"},
		{name: "alg with a lone surrogate", header: `{"alg":"HS256\ud800"}`},
		{name: "alg with NUL", header: `{"alg":"HS\u0000256"}`},
		{name: "member name with invalid UTF-8", header: "{\"alg\":\"HS256\",\"\xc0\xaf\":1}"},
		{name: "member name with a lone surrogate", header: `{"alg":"HS256","\udfff":1}`},
		{name: "member name with NUL", header: `{"alg":"HS256","a\u0000":1}`},
		{name: "byte order mark", header: "\xef\xbb\xbf" + hs256Header},
		{name: "deep nesting in an ignored member", header: `{"alg":"HS256","x":` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40) + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify(m, signToken(secret, tt.header, validPayload))
			checkOnly(t, err, session.ErrInvalid)
		})
	}
}

// TestAttackClaims covers claim attacks that decode_test.go and
// manager_test.go do not: issuer and audience look-alikes, numbers at the
// edges of the NumericDate range, and user id type confusion carried
// through a renewal.
func TestAttackClaims(t *testing.T) {
	const iss, aud = "https://issuer.test", "api"
	exp := unix(t0.Add(time.Hour))
	claims := func(more string) string { return `{"user_id":"u","exp":` + exp + more + `}` }
	both := func(i, a string) string { return claims(`,"iss":` + i + `,"aud":` + a) }
	tests := []struct {
		name    string
		payload string
		want    error
	}{
		{name: "control: iss and aud match", payload: both(`"`+iss+`"`, `"`+aud+`"`)},
		{name: "control: aud listed twice", payload: both(`"`+iss+`"`, `["api","api"]`)},
		{name: "iss with a trailing slash", payload: both(`"`+iss+`/"`, `"api"`), want: session.ErrInvalid},
		{name: "iss as a prefix of the attacker's host", payload: both(`"`+iss+`.evil.test"`, `"api"`), want: session.ErrInvalid},
		{name: "iss with a trailing NUL", payload: both(`"`+iss+`\u0000"`, `"api"`), want: session.ErrInvalid},
		{name: "iss with surrounding space", payload: both(`" `+iss+`"`, `"api"`), want: session.ErrInvalid},
		{name: "iss with a dotless i", payload: both(`"https://ıssuer.test"`, `"api"`), want: session.ErrInvalid},
		{name: "iss as an array", payload: both(`["`+iss+`"]`, `"api"`), want: session.ErrInvalid},
		{name: "iss as an object", payload: both(`{"iss":"`+iss+`"}`, `"api"`), want: session.ErrInvalid},
		{name: "iss null", payload: both(`null`, `"api"`), want: session.ErrInvalid},
		{name: "aud in upper case", payload: both(`"`+iss+`"`, `"API"`), want: session.ErrInvalid},
		{name: "aud as a prefix", payload: both(`"`+iss+`"`, `"ap"`), want: session.ErrInvalid},
		{name: "aud with a suffix", payload: both(`"`+iss+`"`, `"api2"`), want: session.ErrInvalid},
		{name: "aud empty array", payload: both(`"`+iss+`"`, `[]`), want: session.ErrInvalid},
		{name: "aud number", payload: both(`"`+iss+`"`, `1`), want: session.ErrInvalid},
		{name: "aud array of numbers", payload: both(`"`+iss+`"`, `[1,2]`), want: session.ErrInvalid},
		{name: "aud nested array", payload: both(`"`+iss+`"`, `[["api"]]`), want: session.ErrInvalid},
		{name: "aud object", payload: both(`"`+iss+`"`, `{"api":true}`), want: session.ErrInvalid},
		{name: "aud true", payload: both(`"`+iss+`"`, `true`), want: session.ErrInvalid},
		{name: "aud null", payload: both(`"`+iss+`"`, `null`), want: session.ErrInvalid},
		{name: "exp 2^53+1", payload: `{"user_id":"u","exp":9007199254740993}`, want: session.ErrInvalid},
		{name: "exp 2^63", payload: `{"user_id":"u","exp":9223372036854775808}`, want: session.ErrInvalid},
		{name: "exp 2^64+1 (wraps to 1 in a uint64)", payload: `{"user_id":"u","exp":18446744073709551617}`, want: session.ErrInvalid},
		{name: "exp with 400 digits", payload: `{"user_id":"u","exp":` + strings.Repeat("9", 400) + `}`, want: session.ErrInvalid},
		{name: "exp -9.3e18", payload: `{"user_id":"u","exp":-9.3e18}`, want: session.ErrInvalid},
		{name: "exp 0", payload: `{"user_id":"u","exp":0}`, want: session.ErrExpired},
		{name: "exp 0.0", payload: `{"user_id":"u","exp":0.0}`, want: session.ErrExpired},
		{name: "exp at the end of year 9999", payload: `{"user_id":"u","exp":253402300799}`, want: session.ErrInvalid},
		{name: "lifetime over the maximum", payload: `{"user_id":"u","iat":` + unix(t0) + `,"exp":` + unix(t0.Add(defaultMaxLifetime+time.Second)) + `}`, want: session.ErrInvalid},
		{name: "lifetime of exactly the maximum", payload: `{"user_id":"u","iat":` + unix(t0) + `,"exp":` + unix(t0.Add(defaultMaxLifetime)) + `}`},
		{name: "without iat, more than the maximum left", payload: `{"user_id":"u","exp":` + unix(t0.Add(defaultMaxLifetime+time.Second)) + `}`, want: session.ErrInvalid},
		{name: "without iat, the maximum left", payload: `{"user_id":"u","exp":` + unix(t0.Add(defaultMaxLifetime)) + `}`},
		{name: "iat in the far future", payload: claims(`,"iat":253402300799`), want: session.ErrNotYetValid},
		{name: "nbf in the far future", payload: claims(`,"nbf":253402300799`), want: session.ErrNotYetValid},
		{name: "iat negative", payload: claims(`,"iat":-1`), want: session.ErrInvalid},
		{name: "nbf fractional within the current second", payload: claims(`,"nbf":` + unix(t0) + `.999999`)},
		{name: "nbf one second ahead, fractional", payload: claims(`,"nbf":` + unix(t0.Add(time.Second)) + `.0`), want: session.ErrNotYetValid},
		{name: "exp with white space around", payload: `{"user_id":"u","exp":` + "\n\t " + exp + " \r\n" + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts session.Options
			if strings.Contains(tt.payload, `"iss"`) {
				opts = session.Options{Issuer: iss, Audience: []string{aud}}
			}
			_, err := verifyPayload(t, tt.payload, opts)
			checkOnly(t, err, tt.want)
		})
	}

	// A user id written as a JSON integer stays its exact decimal text
	// through a renewal, which writes it back as a string.
	for _, id := range []string{"42", "9007199254740993", "123456789012345678901234567890"} {
		t.Run("renewal keeps integer user_id "+id, func(t *testing.T) {
			secret := newSecret(t)
			clock := newClock(t0)
			m := newManager(t, secret, clock, session.Options{})
			tok := signToken(secret, hs256Header, `{"user_id":`+id+`,"sid":"s1","auth_time":`+unix(t0)+`,"exp":`+exp+`}`)
			next, err := m.Refresh(context.Background(), tok)
			if err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			if got := payloadOf(t, next.Value)["user_id"]; got != id {
				t.Fatalf("renewed user_id: got %#v, want the string %q", got, id)
			}
			if c := mustVerify(t, m, next.Value); c.UserID != id {
				t.Fatalf("UserID: got %q, want %q", c.UserID, id)
			}
		})
	}
}

// TestAttackSessionRaces runs renewals of one session concurrently (run
// it with -race): concurrent renewals of one token share one successor,
// signed once, and a logout that races with renewals still rejects every
// token of the session once it has returned, including those renewed
// meanwhile.
func TestAttackSessionRaces(t *testing.T) {
	ctx := context.Background()
	t.Run("concurrent refresh of one token", func(t *testing.T) {
		const n = 32
		clock := newClock(t0)
		m := newManager(t, newSecret(t), clock, session.Options{})
		first := issue(t, m, "u", nil)
		clock.Advance(25 * time.Minute)
		tokens := make([]*session.Token, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { tokens[i], errs[i] = m.Refresh(ctx, first.Value) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("refresh %d: %v", i, errs[i])
			}
			c := mustVerify(t, m, tokens[i].Value)
			if c.SessionID != first.Claims.SessionID || !c.AuthTime.Equal(first.Claims.AuthTime) || c.TokenID == first.Claims.TokenID {
				t.Fatalf("refresh %d: got sid %q auth_time %v jti %q, want the session's and a new jti", i, c.SessionID, c.AuthTime, c.TokenID)
			}
			if tokens[i].Value != tokens[0].Value {
				t.Fatalf("refresh %d: got a successor of its own, want the one successor signed for all", i)
			}
		}
	})

	t.Run("logout racing renewals", func(t *testing.T) {
		const workers, rounds = 8, 20
		clock := newClock(t0)
		m := newManager(t, newSecret(t), clock, session.Options{})
		first := issue(t, m, "u", nil)
		clock.Advance(25 * time.Minute)
		var mu sync.Mutex
		all := []string{first.Value}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				<-start
				cur := first.Value
				for range rounds {
					next, err := m.Refresh(ctx, cur)
					if err != nil {
						if !errors.Is(err, session.ErrRevoked) {
							t.Errorf("Refresh: got %v, want success or ErrRevoked", err)
						}
						return
					}
					mu.Lock()
					all = append(all, next.Value)
					mu.Unlock()
					cur = next.Value
				}
			})
		}
		close(start)
		if err := m.Revoke(ctx, first.Claims); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		wg.Wait()
		for i, tok := range all {
			_, err := verify(m, tok)
			checkOnly(t, err, session.ErrRevoked)
			if _, err := m.Refresh(ctx, tok); !errors.Is(err, session.ErrRevoked) {
				t.Fatalf("token %d: Refresh got %v, want ErrRevoked", i, err)
			}
		}
	})

	t.Run("verify racing revoke user", func(t *testing.T) {
		clock := newClock(t0)
		m := newManager(t, newSecret(t), clock, session.Options{})
		toks := make([]string, 16)
		for i := range toks {
			toks[i] = issue(t, m, "u", nil).Value
		}
		clock.Advance(time.Second)
		var wg sync.WaitGroup
		for _, tok := range toks {
			wg.Go(func() {
				_, err := verify(m, tok)
				if err != nil && !errors.Is(err, session.ErrRevoked) {
					t.Errorf("Verify: got %v, want success or ErrRevoked", err)
				}
			})
		}
		if err := m.RevokeUser(ctx, "u"); err != nil {
			t.Fatalf("RevokeUser: %v", err)
		}
		wg.Wait()
		for _, tok := range toks {
			_, err := verify(m, tok)
			checkOnly(t, err, session.ErrRevoked)
		}
	})
}

// TestAttackSessionLifecycle is the session family: replaying tokens to
// Refresh to keep a session alive after it should have ended. Each case
// sets the scene with an injected clock and then calls Refresh.
func TestAttackSessionLifecycle(t *testing.T) {
	ctx := context.Background()
	const ttl, life, leeway = 10 * time.Minute, time.Hour, 5 * time.Second
	type scene struct {
		m      *session.Manager
		clock  *testClock
		secret []byte
		first  *session.Token
	}
	setup := func(t *testing.T) scene {
		clock := newClock(t0)
		secret := newSecret(t)
		m := newManager(t, secret, clock, session.Options{TTL: ttl, MaxLifetime: life, Leeway: leeway})
		return scene{m: m, clock: clock, secret: secret, first: issue(t, m, "u", nil)}
	}
	tests := []struct {
		name  string
		token func(t *testing.T, s scene) string // returns the token to refresh; may move the clock
		want  error
	}{
		{name: "control: refresh before exp", token: func(t *testing.T, s scene) string {
			s.clock.Advance(ttl - time.Second)
			return s.first.Value
		}},
		{name: "replay an expired token", token: func(t *testing.T, s scene) string {
			s.clock.Advance(ttl + leeway)
			return s.first.Value
		}, want: session.ErrExpired},
		{name: "replay a long-expired token", token: func(t *testing.T, s scene) string {
			s.clock.Advance(30 * 24 * time.Hour)
			return s.first.Value
		}, want: session.ErrExpired},
		{name: "refresh after logout", token: func(t *testing.T, s scene) string {
			if err := s.m.Revoke(ctx, s.first.Claims); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			return s.first.Value
		}, want: session.ErrRevoked},
		{name: "refresh an old token after logout with the renewed one", token: func(t *testing.T, s scene) string {
			s.clock.Advance(ttl / 2)
			next, err := s.m.Refresh(ctx, s.first.Value)
			if err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			if err := s.m.Revoke(ctx, mustVerify(t, s.m, next.Value)); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			return s.first.Value
		}, want: session.ErrRevoked},
		{name: "refresh after log-out-everywhere", token: func(t *testing.T, s scene) string {
			s.clock.Advance(time.Second)
			if err := s.m.RevokeUser(ctx, "u"); err != nil {
				t.Fatalf("RevokeUser: %v", err)
			}
			return s.first.Value
		}, want: session.ErrRevoked},
		{name: "keep refreshing past the absolute lifetime", token: func(t *testing.T, s scene) string {
			cur := s.first.Value
			for s.clock.Now().Before(t0.Add(life - ttl/2)) {
				s.clock.Advance(ttl / 2)
				next, err := s.m.Refresh(ctx, cur)
				if err != nil {
					t.Fatalf("Refresh at +%v: %v", s.clock.Now().Sub(t0), err)
				}
				cur = next.Value
			}
			s.clock.Set(t0.Add(life))
			return cur
		}, want: session.ErrNotRenewable},
		{name: "refresh past the absolute lifetime and the leeway", token: func(t *testing.T, s scene) string {
			s.clock.Set(t0.Add(life + leeway))
			return s.first.Value
		}, want: session.ErrExpired},
		{name: "refresh a token of another issuer to start a session", token: func(t *testing.T, s scene) string {
			// Signed with the same secret but without sid and auth_time,
			// as another service would: verified, never renewed.
			return signToken(s.secret, hs256Header, `{"user_id":"u","exp":`+unix(t0.Add(ttl))+`}`)
		}, want: session.ErrNotRenewable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setup(t)
			next, err := s.m.Refresh(ctx, tt.token(t, s))
			checkOnly(t, err, tt.want)
			if err == nil && mustVerify(t, s.m, next.Value).SessionID != s.first.Claims.SessionID {
				t.Fatalf("renewed token is of another session")
			}
		})
	}
}
