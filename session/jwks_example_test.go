package session_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

func ExampleParsePEM() {
	// In a real deployment the PEM comes from a file or a secret store:
	// openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	privatePEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	der, _ = x509.MarshalPKIXPublicKey(&priv.PublicKey)
	publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})

	signing, err := session.ParsePEM(privatePEM, "ES256", "2026-11")
	if err != nil {
		fmt.Println(err)
		return
	}
	verifying, err := session.ParsePEM(publicPEM, "", "2026-11") // a P-256 key is ES256
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(signing, signing.CanSign())
	fmt.Println(verifying, verifying.CanSign())
	// Output:
	// ES256 key "2026-11" true
	// ES256 key "2026-11" false
}

func ExampleParseJWK() {
	// The EC key of RFC 7517, appendix A.1, without "alg": a P-256 key
	// verifies ES256 only.
	key, err := session.ParseJWK([]byte(`{"kty":"EC","crv":"P-256","kid":"1",
		"x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
		"y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(key, key.CanSign())

	// HMAC secrets are HS256 keys; they cannot be pinned to RS256.
	_, err = session.ParseJWK([]byte(`{"kty":"oct","kid":"s","alg":"RS256","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}`))
	fmt.Println(err)
	// Output:
	// ES256 key "1" false
	// session: JWK "s" is an oct (HMAC) key and cannot be used for RS256; HMAC keys verify HS256 only
}

func ExampleParseJWKSet() {
	set := []byte(`{"keys":[
		{"kty":"EC","crv":"P-256","kid":"ec-1",
		 "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
		 "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"},
		{"kty":"OKP","crv":"Ed25519","kid":"ed-1","alg":"EdDSA",
		 "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`)
	keys, err := session.ParseJWKSet(set)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(keys)
	// Output: [ES256 key "ec-1" EdDSA key "ed-1"]
}

func ExampleJWKSHandler() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ks, _ := session.NewKeySet(session.ES256(priv).WithID("2026-11"))
	publish, err := session.JWKSHandler(ks, session.WithJWKSMaxAge(time.Minute))
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /.well-known/jwks.json", publish)

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"))
	keys, _ := session.ParseJWKSet(rec.Body.Bytes())
	fmt.Println(keys)
	// Output:
	// 200 application/jwk-set+json public, max-age=60
	// [ES256 key "2026-11"]
}

func ExampleNewRemoteKeySet() {
	ctx := context.Background()

	// The issuer signs with its KeySet and publishes the public keys.
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ks, _ := session.NewKeySet(session.ES256(priv).WithID("2026-11"))
	issuer, _ := session.New(ks)
	publish, _ := session.JWKSHandler(ks)
	srv := httptest.NewServer(publish)
	defer srv.Close()

	// A resource server only verifies, with the keys it fetches.
	remote, err := session.NewRemoteKeySet(srv.URL+"/.well-known/jwks.json",
		session.WithRefreshEvery(5*time.Minute),
		session.WithRefetchCooldown(30*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer remote.Close()
	if err := remote.Ready(ctx); err != nil { // before serving traffic
		fmt.Println(err)
		return
	}
	verifier, _ := session.New(remote)

	tok, _ := issuer.Issue(ctx, "123", nil)
	claims, err := verifier.Verify(ctx, tok.Value)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(claims.UserID, remote.IDs())
	// Output: 123 [2026-11]
}
