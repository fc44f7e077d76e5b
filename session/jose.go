package session

// This file is the only place that calls github.com/lestrrat-go/jwx. jwx
// supplies the signature primitives; token splitting, header and claims
// decoding, and every policy decision are this package's own.

import (
	"encoding/base64"
	"fmt"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// pinnedKey is a validated [Key] with its jwx signer and verifier and the
// encoded protected header it writes.
type pinnedKey struct {
	alg      string
	id       string
	material any
	signer   jws.Signer
	verifier jws.Verifier
	// header is the base64url protected header of tokens this key signs.
	header string
}

func newPinnedKey(k Key) (*pinnedKey, error) {
	if err := k.validate(); err != nil {
		return nil, err
	}
	alg := jwa.SignatureAlgorithm(k.alg)
	signer, err := jws.NewSigner(alg)
	if err != nil {
		return nil, fmt.Errorf("session: %s signer: %w", k.alg, err)
	}
	verifier, err := jws.NewVerifier(alg)
	if err != nil {
		return nil, fmt.Errorf("session: %s verifier: %w", k.alg, err)
	}
	hdr := []byte(`{"alg":`)
	hdr = appendJSONString(hdr, k.alg)
	if k.id != "" {
		hdr = append(hdr, `,"kid":`...)
		hdr = appendJSONString(hdr, k.id)
	}
	hdr = append(hdr, `,"typ":"JWT"}`...)
	return &pinnedKey{
		alg:      k.alg,
		id:       k.id,
		material: k.secret,
		signer:   signer,
		verifier: verifier,
		header:   base64.RawURLEncoding.EncodeToString(hdr),
	}, nil
}

// sign returns the signature over signingInput.
func (p *pinnedKey) sign(signingInput []byte) ([]byte, error) {
	return p.signer.Sign(signingInput, p.material)
}

// verify checks sig over signingInput with the pinned key and algorithm.
func (p *pinnedKey) verify(signingInput string, sig []byte) error {
	// The verifier only reads its input, so a view of the string's bytes
	// spares a copy of up to the token size cap.
	if p.verifier.Verify(bytesView(signingInput), sig, p.material) != nil {
		return errSignature
	}
	return nil
}
