// Package sessiontest helps applications test their own handlers with
// session tokens, in a few lines and on loopback only.
//
// An [Issuer] stands in for the service that signs tokens: a key made for
// the test, a [session.Manager] that signs with it, a clock that moves
// only when the test says so, and the public key set it publishes:
//
//	iss := sessiontest.NewIssuer(t, "ES256", session.Options{})                           // also EdDSA, RS256, PS256, HS256
//	tok := iss.Token("123").Value                                      // a valid token
//	old := iss.Token("123", sessiontest.WithExpiresIn(-time.Minute)).Value // an expired one
//	bad := sessiontest.Tamper(tok)                                     // a tampered one
//	iss.Advance(31 * time.Minute)                                      // move time instead of sleeping
//
// A resource server under test builds its verifier as it does in
// production, on the issuer's JWK Set URL, and shares the issuer's clock:
//
//	remote, err := jwks.NewRemote(iss.JWKSURL(), jwks.RemoteOptions{})
//	m, err := session.New(remote, session.Options{Clock: iss.Now})
//
// then hands m to [middleware.New] and sends the tokens in Authorization
// headers. [Issuer.Handler] tests a handler alone instead, as if
// Authenticate had let the user in.
//
// For a verifier of several OpenID Connect providers, [Issuer.URL]
// serves discovery as well, and the Issuer's tokens then carry that URL
// in iss:
//
//	keys, err := jwks.NewIssuers([]string{iss.URL()}, jwks.RemoteOptions{})
//
// A [ProofKey] is a DPoP client's key pair (RFC 9449): it signs proofs
// for requests and gives the thumbprint that bound tokens carry, written
// apart from the library's verifier so that tests cross-check it:
//
//	key := sessiontest.NewProofKey(t, "ES256") // any proof algorithm: ES384, ES512, EdDSA, RS256, PS512, …
//	tok, err := iss.Manager.IssueBound(ctx, "123", key.Thumbprint(), nil)
//	key.Sign(req, tok.Value) // Authorization: DPoP <token> and a DPoP proof of req
//
// HS256 issuers sign with [Secret], which everybody knows: never use this
// package outside tests.
package sessiontest
