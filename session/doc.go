// Package session issues, verifies, renews and revokes JWT session tokens.
//
// A [Manager] is built once from a [Key] pinned to one algorithm and
// [Options], whose zero value is ready to use and whose every field
// documents its default:
//
//	m, err := session.New(session.HS256(secret), session.Options{}) // secret: 32+ random bytes
//
// At login, [Manager.Issue] starts a session and returns its first token:
//
//	{"user_id":"123","sid":"…","auth_time":…,"iat":…,"exp":…,"jti":"…"}
//
// [Manager.Verify] checks a token and returns typed [Claims]; its errors
// tell an expired token ([ErrExpired]) from an invalid one ([ErrInvalid]),
// a revoked one ([ErrRevoked]) and a server-side fault ([ErrUnavailable]).
// [Manager.Refresh] and [Manager.Renew] hand out the successor of a valid
// token: same user, session id, auth_time and application claims, a new
// jti, and exp = min(now+TTL, auth_time+MaxLifetime), so a session slides
// but never beyond its maximum lifetime. [Manager.Revoke] logs a session
// out, renewed tokens included; [Manager.RevokeUser] logs a user out
// everywhere.
//
// # Keys
//
// A [Key] is pinned to one algorithm: [HS256] from a secret, or [NewKey]
// from crypto key material or an HS384 or HS512 secret, for every JWS
// signature algorithm: HS256/384/512, RS256/384/512, PS256/384/512,
// ES256/384/512, EdDSA and Ed25519 (a private key signs, a public key only
// verifies, for services that only check tokens); keys also load from PEM
// ([ParsePEM]). Signatures are made and checked with the standard
// library's crypto packages. A [KeySet] rotates keys without logging
// anyone out ([KeySet.Add], [KeySet.Activate], [KeySet.Retire]).
//
// A Manager takes its keys through [Keys], which Key and KeySet implement:
// a signing key, and the verification key for a token's kid. Package jwks
// implements it for another service's published JWK Set, and reads and
// publishes JWKs; an unknown kid is [ErrInvalid], keys that cannot be had
// right now are [ErrUnavailable], never the client's fault.
//
// # Revocation
//
// Revocations go to a [Store]: a bounded [MemoryStore] by default, or
// package redisstore for several instances. [FailOpen] trades revocation
// for availability while the store is down, at a documented cost; package
// storetest checks any Store against the contract.
//
// # Security
//
// The algorithm comes from the Key, never from the token header; "none"
// never verifies; an HMAC key verifies its one HS* algorithm only, never an
// asymmetric token, and an asymmetric key never an HMAC one. Tokens longer
// than the size cap are rejected before any decoding. Only the compact serialization
// is accepted, each part in its one canonical unpadded base64url spelling.
// The header may not carry crit or b64, and jwk, jku, x5u and x5c are
// ignored: no request is ever made because of a token. Claims are decoded
// by this package's own strict decoder: case-sensitive names, duplicate
// members rejected at any depth, time claims as plain non-negative numbers,
// exp required, and a JSON integer user id read as its exact decimal text.
// Claims are written by this package's own encoder.
//
// The package does not handle HTTP; see the middleware package for that.
package session
