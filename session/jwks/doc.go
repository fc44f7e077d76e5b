// Package jwks reads and publishes JSON Web Keys (RFC 7517) for package
// session, and verifies tokens against another service's published key
// set. It is the only package of the library that depends on
// github.com/lestrrat-go/jwx.
//
// An issuer publishes the public keys of its [session.KeySet]:
//
//	publish, err := jwks.Handler(ks, jwks.HandlerOptions{})
//	mux.Handle("GET /.well-known/jwks.json", publish)
//
// A service that only verifies builds its Manager on a [Remote], which
// fetches that set, keeps it fresh and refetches it when a token names a
// key it does not know:
//
//	remote, err := jwks.NewRemote("https://issuer.example/.well-known/jwks.json", jwks.RemoteOptions{})
//	m, err := session.New(remote, session.Options{})
//
// A service that takes the tokens of one or more OpenID Connect providers
// builds it on [Issuers], which finds each provider's key set by
// discovery and verifies a token only with the keys of the issuer its iss
// names:
//
//	keys, err := jwks.NewIssuers([]string{"https://login.example.com/"}, jwks.RemoteOptions{})
//	m, err := session.New(keys, session.Options{UserIDClaim: "sub", Audience: []string{"https://api.example.com"}})
//
// Keys also load from JWK documents ([Parse], [ParseSet]), and [Thumbprint]
// computes a key's RFC 7638 thumbprint, a common choice of key id.
//
// # Security
//
// Every key goes through the checks of package session (algorithm pinned
// to the key, weak keys refused) and those of [Parse]. No request is ever
// made because of a token: jku, x5u and embedded jwk headers are ignored.
// Remote fetches and discovery are bounded in time and size, and plain
// http is refused off loopback unless [RemoteOptions].InsecureHTTP says
// otherwise. A provider configuration is used only when its issuer equals
// the configured one exactly.
// Private members and HMAC secrets are never published.
package jwks
