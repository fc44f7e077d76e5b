package session_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"

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
