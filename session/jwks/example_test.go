package jwks_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/jwks"
)

func ExampleParse() {
	// The EC key of RFC 7517, appendix A.1, without "alg": a P-256 key
	// verifies ES256 only.
	key, err := jwks.Parse([]byte(`{"kty":"EC","crv":"P-256","kid":"1",
		"x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
		"y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(key, key.CanSign())

	// HMAC secrets are HS256, HS384 or HS512 keys; never RS256.
	_, err = jwks.Parse([]byte(`{"kty":"oct","kid":"s","alg":"RS256","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}`))
	fmt.Println(err)
	// Output:
	// ES256 key "1" false
	// jwks: JWK "s" is an oct (HMAC) key and cannot be used for RS256; HMAC keys verify HS256, HS384 or HS512
}

func ExampleParseSet() {
	set := []byte(`{"keys":[
		{"kty":"EC","crv":"P-256","kid":"ec-1",
		 "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
		 "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"},
		{"kty":"OKP","crv":"Ed25519","kid":"ed-1","alg":"EdDSA",
		 "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`)
	keys, err := jwks.ParseSet(set)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(keys)
	// Output: [ES256 key "ec-1" EdDSA key "ed-1"]
}

func ExampleHandler() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := session.NewKey(priv, "ES256", "2026-11")
	ks, _ := session.NewKeySet(key)
	publish, err := jwks.Handler(ks, jwks.HandlerOptions{MaxAge: time.Minute})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /.well-known/jwks.json", publish)

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"))
	keys, _ := jwks.ParseSet(rec.Body.Bytes())
	fmt.Println(keys)
	// Output:
	// 200 application/jwk-set+json public, max-age=60
	// [ES256 key "2026-11"]
}

func ExampleNewRemote() {
	ctx := context.Background()

	// The issuer signs with its KeySet and publishes the public keys.
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := session.NewKey(priv, "ES256", "2026-11")
	ks, _ := session.NewKeySet(key)
	issuer, _ := session.New(ks, session.Options{})
	publish, _ := jwks.Handler(ks, jwks.HandlerOptions{})
	srv := httptest.NewServer(publish)
	defer srv.Close()

	// A resource server only verifies, with the keys it fetches.
	remote, err := jwks.NewRemote(srv.URL+"/.well-known/jwks.json", jwks.RemoteOptions{
		RefreshEvery:    5 * time.Minute,
		RefetchCooldown: 30 * time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer remote.Close()
	if err := remote.Ready(ctx); err != nil { // before serving traffic
		fmt.Println(err)
		return
	}
	verifier, _ := session.New(remote, session.Options{})

	tok, _ := issuer.Issue(ctx, "123", nil)
	claims, err := verifier.Verify(ctx, tok.Value)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(claims.UserID, remote.IDs())
	// Output: 123 [2026-11]
}

func ExampleThumbprint() {
	// The EC key of RFC 7517, appendix A.1, whose RFC 7638 thumbprint is
	// its key id here.
	key, err := jwks.Parse([]byte(`{"kty":"EC","crv":"P-256","kid":"1",
		"x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
		"y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	kid, err := jwks.Thumbprint(key)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(key.WithID(kid))
	// Output: ES256 key "cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s"
}
