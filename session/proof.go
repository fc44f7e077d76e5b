package session

import (
	"crypto"
	"errors"

	"github.com/jwtsession/jwtsession/internal/jose"
)

// ErrInvalidProof reports a DPoP proof (RFC 9449) that is malformed,
// badly signed, or carries a key or claims that fail validation. The
// wrapped message says what was wrong without echoing the proof.
var ErrInvalidProof = errors.New("session: invalid DPoP proof")

// Proof is a DPoP proof (RFC 9449 §4.2) whose form, key and signature
// [ParseProof] has checked.
type Proof = jose.Proof

// ParseProof parses a DPoP proof strictly and checks its signature.
// Errors match [ErrInvalidProof].
func ParseProof(proof string) (*Proof, error) {
	p, err := jose.ParseProof(proof)
	if e, ok := err.(*jose.Error); ok {
		return nil, &tokenError{ErrInvalidProof, e.Detail}
	}
	return p, err
}

// ProofAlgorithms returns the JWS algorithms [ParseProof] accepts.
func ProofAlgorithms() []string { return jose.ProofAlgorithms() }

// Thumbprint returns the RFC 7638 JWK SHA-256 thumbprint of a public key.
func Thumbprint(pub crypto.PublicKey) (string, error) { return jose.Thumbprint(pub) }
