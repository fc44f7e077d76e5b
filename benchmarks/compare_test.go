package benchmarks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v3"
	"github.com/auth0/go-jwt-middleware/v3/validator"
	"github.com/go-chi/jwtauth/v5"
	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// Every contender checks the same things: the signature with the pinned
// algorithm, exp, iss and aud; puts the user id into the request context;
// and the handler reads it back.
const (
	issuer   = "https://issuer.example"
	audience = "api"
	userID   = "123"
)

// keys holds the secret and key pair that signed the benchmark tokens.
type keys struct {
	secret []byte
	ec     *ecdsa.PrivateKey
	tokens map[string]string // by algorithm
}

func newKeys(b *testing.B) *keys {
	b.Helper()
	k := &keys{secret: make([]byte, 32), tokens: map[string]string{}}
	rand.Read(k.secret)
	var err error
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		b.Fatal(err)
	}
	// The tokens are issued by jwtsession; all contenders read standard
	// JWTs, and these carry user_id, exp, iat, iss, aud, sid, auth_time, jti.
	for alg, key := range map[string]session.Key{"HS256": session.HS256(k.secret), "ES256": mustKey(b, k.ec, "ES256", "")} {
		m := mustManager(b, key, -1)
		tok, err := m.Issue(context.Background(), userID, nil)
		if err != nil {
			b.Fatal(err)
		}
		k.tokens[alg] = tok.Value
	}
	return k
}

// mustManager returns a Manager on key whose verified-token cache holds
// cache tokens (-1: no cache).
func mustManager(tb testing.TB, key session.Key, cache int) *session.Manager {
	tb.Helper()
	m, err := session.New(key, session.Options{Issuer: issuer, Audience: []string{audience}, VerifiedTokenCache: cache})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// contender builds one middleware chain for an algorithm.
type contender struct {
	name  string
	build func(tb testing.TB, k *keys, alg string) http.Handler
}

// checkUser is the handler's work: the user id must be there.
func checkUser(w http.ResponseWriter, got string) {
	if got != userID {
		w.WriteHeader(http.StatusInternalServerError)
	}
}

var contenders = []contender{
	{"jwtsession", func(tb testing.TB, k *keys, alg string) http.Handler {
		return jwtsessionChain(tb, k, alg, -1)
	}},
	{"jwtsession-cached", func(tb testing.TB, k *keys, alg string) http.Handler {
		return jwtsessionChain(tb, k, alg, 4096)
	}},
	{"go-chi-jwtauth", func(tb testing.TB, k *keys, alg string) http.Handler {
		var ja *jwtauth.JWTAuth
		opts := []jwt.ValidateOption{jwt.WithIssuer(issuer), jwt.WithAudience(audience)}
		if alg == "HS256" {
			ja = jwtauth.New("HS256", k.secret, nil, opts...)
		} else {
			ja = jwtauth.New("ES256", k.ec, &k.ec.PublicKey, opts...)
		}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, _ := r.Context().Value(jwtauth.TokenCtxKey).(jwt.Token)
			v, _ := tok.Get("user_id")
			s, _ := v.(string)
			checkUser(w, s)
		})
		return jwtauth.Verifier(ja)(jwtauth.Authenticator(ja)(h))
	}},
	{"auth0-go-jwt-middleware", func(tb testing.TB, k *keys, alg string) http.Handler {
		keyFunc := func(context.Context) (any, error) { return k.secret, nil }
		sigAlg := validator.HS256
		if alg == "ES256" {
			keyFunc = func(context.Context) (any, error) { return &k.ec.PublicKey, nil }
			sigAlg = validator.ES256
		}
		v, err := validator.New(
			validator.WithKeyFunc(keyFunc),
			validator.WithAlgorithm(sigAlg),
			validator.WithIssuer(issuer),
			validator.WithAudience(audience),
			validator.WithCustomClaims(func() *auth0Claims { return &auth0Claims{} }))
		if err != nil {
			tb.Fatal(err)
		}
		mw, err := jwtmiddleware.New(jwtmiddleware.WithValidator(v))
		if err != nil {
			tb.Fatal(err)
		}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			claims, err := jwtmiddleware.GetClaims[*validator.ValidatedClaims](r.Context())
			if err != nil {
				checkUser(w, "")
				return
			}
			checkUser(w, claims.CustomClaims.(*auth0Claims).UserID)
		})
		return mw.CheckJWT(h)
	}},
	{"golang-jwt-handwritten", func(tb testing.TB, k *keys, alg string) http.Handler {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := r.Context().Value(golangJWTKey{}).(string)
			checkUser(w, s)
		})
		return golangJWTMiddleware(k, alg, h)
	}},
}

func jwtsessionChain(tb testing.TB, k *keys, alg string, cache int) http.Handler {
	key := session.HS256(k.secret)
	if alg == "ES256" {
		key = mustKey(tb, k.ec, "ES256", "")
	}
	auth, err := middleware.New(mustManager(tb, key, cache), middleware.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return auth.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := middleware.UserIDFromContext(r.Context())
		checkUser(w, s)
	}))
}

type auth0Claims struct {
	UserID string `json:"user_id"`
}

func (c *auth0Claims) Validate(context.Context) error { return nil }

type golangJWTKey struct{}

type golangJWTClaims struct {
	UserID string `json:"user_id"`
	gojwt.RegisteredClaims
}

// golangJWTMiddleware is the middleware people write by hand on
// golang-jwt/jwt/v5.
func golangJWTMiddleware(k *keys, alg string, next http.Handler) http.Handler {
	keyFunc := func(*gojwt.Token) (any, error) { return k.secret, nil }
	if alg == "ES256" {
		keyFunc = func(*gojwt.Token) (any, error) { return &k.ec.PublicKey, nil }
	}
	parser := gojwt.NewParser(gojwt.WithValidMethods([]string{alg}), gojwt.WithIssuer(issuer),
		gojwt.WithAudience(audience), gojwt.WithExpirationRequired())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var claims golangJWTClaims
		if _, err := parser.ParseWithClaims(raw, &claims, keyFunc); err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), golangJWTKey{}, claims.UserID)))
	})
}

// rawFloor is the bare signature check of a token, nothing else.
func rawFloor(k *keys, alg string) func(tok string) error {
	enc := base64.RawURLEncoding
	mac := hmac.New(sha256.New, k.secret)
	buf := make([]byte, 8<<10)
	sum := make([]byte, 0, sha256.Size)
	errBad := errors.New("signature mismatch")
	if alg == "HS256" {
		return func(tok string) error {
			dot2 := strings.LastIndexByte(tok, '.')
			head, payload, _ := strings.Cut(tok[:dot2], ".")
			for _, part := range [...]string{head, payload} {
				if _, err := enc.Decode(buf, []byte(part)); err != nil {
					return err
				}
			}
			n, err := enc.Decode(buf, []byte(tok[dot2+1:]))
			if err != nil {
				return err
			}
			mac.Reset()
			mac.Write([]byte(tok[:dot2]))
			if !hmac.Equal(mac.Sum(sum[:0]), buf[:n]) {
				return errBad
			}
			return nil
		}
	}
	return func(tok string) error {
		dot := strings.LastIndexByte(tok, '.')
		sig, err := enc.DecodeString(tok[dot+1:])
		if err != nil {
			return err
		}
		h := sha256.Sum256([]byte(tok[:dot]))
		if !ecdsa.Verify(&k.ec.PublicKey, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return errBad
		}
		return nil
	}
}

// BenchmarkCompare runs each contender on the same token, per algorithm,
// after the raw floor of that token.
func BenchmarkCompare(b *testing.B) {
	k := newKeys(b)
	for _, alg := range []string{"HS256", "ES256"} {
		tok := k.tokens[alg]
		b.Run(alg+"/raw-floor", func(b *testing.B) {
			floor := rawFloor(k, alg)
			b.ReportAllocs()
			for b.Loop() {
				if err := floor(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, c := range contenders {
			b.Run(alg+"/"+c.name, func(b *testing.B) {
				h := c.build(b, k, alg)
				req := httptest.NewRequest(http.MethodGet, "/me", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("got status %d (%s), want 200", rec.Code, strings.TrimSpace(rec.Body.String()))
				}
				b.ReportAllocs()
				for b.Loop() {
					h.ServeHTTP(rec, req)
				}
			})
		}
	}
}

// TestContendersRejectForgeries keeps the comparison honest: every
// contender rejects a tampered, an expired and a wrong-audience token.
func TestContendersRejectForgeries(t *testing.T) {
	k := newKeysT(t)
	for _, alg := range []string{"HS256", "ES256"} {
		valid := k.tokens[alg]
		tampered := valid[:len(valid)-2] + "AA"
		if tampered == valid {
			tampered = valid[:len(valid)-2] + "AB"
		}
		bad := map[string]string{"tampered": tampered, "expired": k.expired[alg], "wrong audience": k.otherAud[alg]}
		for _, c := range contenders {
			h := c.build(t, k.keys, alg)
			for name, tok := range bad {
				req := httptest.NewRequest(http.MethodGet, "/me", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code == http.StatusOK {
					t.Errorf("%s %s: accepted a %s token", alg, c.name, name)
				}
			}
		}
	}
}

// testKeys adds the bad tokens the honesty test needs.
type testKeys struct {
	*keys
	expired, otherAud map[string]string
}

func newKeysT(t *testing.T) *testKeys {
	t.Helper()
	k := &testKeys{keys: &keys{secret: make([]byte, 32), tokens: map[string]string{}}, expired: map[string]string{}, otherAud: map[string]string{}}
	rand.Read(k.secret)
	var err error
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-2 * time.Hour)
	for alg, key := range map[string]session.Key{"HS256": session.HS256(k.secret), "ES256": mustKey(t, k.ec, "ES256", "")} {
		for _, v := range []struct {
			into  map[string]string
			clock time.Time
			aud   string
		}{{k.tokens, time.Now(), audience}, {k.expired, past, audience}, {k.otherAud, time.Now(), "other"}} {
			at := v.clock
			m, err := session.New(key, session.Options{Issuer: issuer, Audience: []string{v.aud}, Clock: func() time.Time { return at }})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := m.Issue(context.Background(), userID, nil)
			if err != nil {
				t.Fatal(err)
			}
			v.into[alg] = tok.Value
		}
	}
	return k
}

// mustKey returns session.NewKey(material, alg, kid) or fails the test.
func mustKey(t testing.TB, material any, alg, kid string) session.Key {
	t.Helper()
	k, err := session.NewKey(material, alg, kid)
	if err != nil {
		t.Fatalf("session.NewKey(%T, %q, %q): %v", material, alg, kid, err)
	}
	return k
}
