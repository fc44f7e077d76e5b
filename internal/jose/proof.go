package jose

import (
	"crypto"
	"errors"
	"time"

	"github.com/jwtsession/jwtsession/internal/strictjson"
)

// Bounds of a DPoP proof: the whole proof as a token's default size cap,
// its protected header (which carries the public key, an RSA modulus of
// up to 4096 bits included), and its jti.
const (
	maxProofSize       = 8 << 10
	maxProofHeaderSize = 4 << 10
	maxProofIDSize     = 256
)

// Proof is a DPoP proof (RFC 9449 §4.2) whose form, key and signature
// [ParseProof] has checked. Its claims are the client's: whether they fit
// the request (Method, URL), are fresh (IssuedAt, ID against a replay
// cache), belong to the token (TokenHash) and carry the server's nonce is
// for the caller to check, as package middleware does.
type Proof struct {
	// Algorithm is the proof's alg header, one of [ProofAlgorithms].
	Algorithm string
	// Thumbprint is the RFC 7638 SHA-256 thumbprint of the proof's key
	// ([Thumbprint]): what a bound token's cnf.jkt must equal.
	Thumbprint string
	// ID is the jti claim: non-empty, at most 256 bytes.
	ID string
	// Method is the htm claim, the HTTP method of the request.
	Method string
	// URL is the htu claim, the request's URL without query and fragment.
	URL string
	// IssuedAt is the iat claim, to the second.
	IssuedAt time.Time
	// TokenHash is the ath claim, base64url(SHA-256(access token)), or ""
	// when the proof has none.
	TokenHash string
	// Nonce is the nonce claim, or "" when the proof has none.
	Nonce string
}

// ParseProof parses a DPoP proof strictly and checks its signature: it is
// [ParseProofKey] followed by [UnverifiedProof.Verify]. Errors are
// [*Error] values.
//
// ParseProof does not look at the request, the clock or a replay cache:
// see [Proof].
func ParseProof(proof string) (*Proof, error) {
	u, err := ParseProofKey(proof)
	if err != nil {
		return nil, err
	}
	return u.Verify()
}

// UnverifiedProof is a DPoP proof whose form and key [ParseProofKey] has
// checked, but neither its signature nor its claims: its Thumbprint names
// the key the proof claims, which a caller compares with a token's
// cnf.jkt before paying for [UnverifiedProof.Verify].
type UnverifiedProof struct {
	// Thumbprint is the RFC 7638 SHA-256 thumbprint of the proof's jwk.
	Thumbprint string
	parts      Compact
	alg        string
	key        *Key
}

// ParseProofKey checks, in order: the size cap (8 KiB, as tokens by
// default), the compact form; a protected header whose typ is exactly
// "dpop+jwt", whose alg is one of [ProofAlgorithms] (never none nor HMAC)
// and whose jwk is a public key of the type and curve alg needs (private
// members and symmetric keys are refused; RSA keys have at most 4096 bits
// and the exponent 65537; small-order Ed25519 keys are refused), and
// computes the key's thumbprint. A duplicated member rejects the proof;
// crit is refused. It checks no signature, so its cost does not depend
// on the key's size beyond the caps. Errors are [*Error] values.
func ParseProofKey(proof string) (*UnverifiedProof, error) {
	if len(proof) > maxProofSize {
		return nil, errProofTooLong
	}
	parts, err := Split(proof)
	if err != nil {
		return nil, asProofError(err)
	}
	if len(parts.Header) > maxProofHeaderSize {
		return nil, errProofHeaderTooLong
	}
	js, err := DecodePart(parts.Header)
	if err != nil {
		return nil, asProofError(err)
	}
	alg, pub, err := decodeProofHeader(string(js))
	if err != nil {
		return nil, asProofError(err)
	}
	key := NewVerifyingKey(keyAlgorithm(alg), pub)
	if key.Err() != nil {
		return nil, errProofKey
	}
	u := &UnverifiedProof{parts: parts, alg: alg, key: key}
	if u.Thumbprint, err = Thumbprint(pub); err != nil {
		return nil, errProofKey
	}
	return u, nil
}

// Verify checks the proof's signature by its jwk, with the same
// verification as tokens, then decodes its claims: jti (non-empty, at
// most 256 bytes), htm and htu (non-empty strings), iat (a NumericDate),
// and the optional ath and nonce (non-empty strings). A duplicated member
// rejects the proof. Errors are [*Error] values.
func (u *UnverifiedProof) Verify() (*Proof, error) {
	if err := u.key.Verify(u.parts.SigningInput, u.parts.Signature); err != nil {
		return nil, asProofError(err)
	}
	js, err := DecodePart(u.parts.Payload)
	if err != nil {
		return nil, asProofError(err)
	}
	p, err := decodeProofClaims(string(js))
	if err != nil {
		return nil, asProofError(err)
	}
	p.Thumbprint = u.Thumbprint
	p.Algorithm = u.alg
	return p, nil
}

// Errors of proofs, built once.
var (
	errProofTooLong       = fail("proof exceeds the size limit")
	errProofHeaderTooLong = fail("proof header exceeds 4 KiB")
	errProofKey           = fail("proof key is not accepted for its alg")
	errProofType          = fail("proof typ is not dpop+jwt")
	errProofAlg           = fail("proof alg is not an accepted asymmetric algorithm")
)

// asProofError reports err, from the decoders, as an [*Error].
func asProofError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var se *strictjson.Error
	if errors.As(err, &se) {
		return fail(se.Detail)
	}
	return fail("malformed proof")
}

// decodeProofHeader decodes a proof's protected header and returns its
// alg and public key. The jwk is read once alg is known, so a header that
// names jwk before alg is scanned twice; both reads are bounded by the
// header size cap.
func decodeProofHeader(js string) (string, crypto.PublicKey, error) {
	var alg, typ, jwk string
	sc := strictjson.New(js)
	err := sc.Object(func(name string) error {
		var err error
		switch name {
		case "alg":
			alg, err = ReadString(&sc, "alg")
		case "typ":
			typ, err = ReadString(&sc, "typ")
		case "jwk":
			if sc.Next() != '{' {
				return fail("jwk is not an object")
			}
			jwk, err = sc.RawValue()
		case "crit":
			err = fail("header crit is not supported")
		case "b64":
			err = fail("header b64 is not supported")
		case "enc", "zip":
			err = fail("JWE is not supported")
		default:
			if confusableHeaderName(name) {
				return fail("header member name differs from a registered one only in letter case or Unicode folding")
			}
			err = sc.SkipValue()
		}
		return err
	})
	switch {
	case err != nil:
		return "", nil, err
	case !sc.End():
		return "", nil, fail("trailing data after the header object")
	case typ != "dpop+jwt":
		return "", nil, errProofType
	case alg == "":
		return "", nil, fail("header alg missing")
	case jwk == "":
		return "", nil, fail("header jwk missing")
	}
	if _, _, ok := jwkShape(alg); !ok {
		return "", nil, errProofAlg
	}
	ksc := strictjson.New(jwk)
	pub, err := parseProofJWK(&ksc, alg)
	return alg, pub, err
}

// decodeProofClaims decodes a proof's claims strictly.
func decodeProofClaims(js string) (*Proof, error) {
	p := &Proof{}
	var hasIAT bool
	sc := strictjson.New(js)
	err := sc.Object(func(name string) error {
		var err error
		switch name {
		case "jti":
			p.ID, err = ReadString(&sc, "jti")
			if err == nil && len(p.ID) > maxProofIDSize {
				err = fail("jti exceeds 256 bytes")
			}
		case "htm":
			p.Method, err = ReadString(&sc, "htm")
		case "htu":
			p.URL, err = ReadString(&sc, "htu")
		case "iat":
			hasIAT = true
			p.IssuedAt, err = ReadNumericDate(&sc, false)
		case "ath":
			p.TokenHash, err = ReadString(&sc, "ath")
		case "nonce":
			p.Nonce, err = ReadString(&sc, "nonce")
		default:
			err = sc.SkipValue()
		}
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case !sc.End():
		return nil, fail("trailing data after the claims object")
	case p.ID == "":
		return nil, fail("jti claim missing")
	case p.Method == "":
		return nil, fail("htm claim missing")
	case p.URL == "":
		return nil, fail("htu claim missing")
	case !hasIAT:
		return nil, fail("iat claim missing")
	}
	return p, nil
}
