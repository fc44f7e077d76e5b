// Package jose is the JOSE engine of package session and package
// middleware: the JWS signature algorithms (RFC 7518 §3, RFC 8037,
// RFC 9864), keys pinned to one algorithm each (signing, verification and
// validation of the material, with the standard library's crypto packages
// only), the compact serialization (splitting, strict base64url parts, the
// protected header), the public JWK of a DPoP proof and its RFC 7638
// thumbprint, and the DPoP proof parser (RFC 9449 §4.2).
//
// The algorithm always comes from a [Key], never from a header. Errors are
// [*Error] values whose detail carries no package prefix, so that the
// package reporting them names itself: session reports a token's as an
// invalid token, middleware a proof's as an invalid DPoP proof.
package jose
