package jose

import (
	"encoding/base64"
	"strings"
	"unsafe"

	"github.com/jwtsession/jwtsession/internal/strictjson"
)

// b64 is the only base64 alphabet and spelling tokens use: URL-safe,
// unpadded, with canonical trailing bits.
var b64 = base64.RawURLEncoding.Strict()

// BytesView returns the bytes of s without copying. The result must only
// be read: it is for decoders and hashes that take []byte.
func BytesView(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// Compact is a compact JWS split into its parts, each still encoded.
type Compact struct {
	Header, Payload, Signature string
	// SigningInput is Header "." Payload.
	SigningInput string
}

// Split splits a compact JWS. It rejects any part count other
// than three and empty parts, so JWE (five parts) and JSON serialization
// never reach a decoder. Every part is later either compared byte for byte
// with a precomputed header or decoded as strict unpadded base64url, which
// rejects any byte outside that alphabet except CR and LF; those are
// rejected here. The caller has already bounded len(tok), and the scans are
// IndexByte's vectorized ones.
func Split(tok string) (Compact, error) {
	if tok == "" {
		return Compact{}, errEmpty
	}
	first := strings.IndexByte(tok, '.')
	if first < 0 {
		return Compact{}, errParts
	}
	second := strings.IndexByte(tok[first+1:], '.')
	if second < 0 {
		return Compact{}, errParts
	}
	second += first + 1
	if strings.IndexByte(tok[second+1:], '.') >= 0 {
		return Compact{}, errParts
	}
	if first == 0 || second == first+1 || second == len(tok)-1 {
		return Compact{}, errEmptyPart
	}
	if strings.IndexByte(tok, '\n') >= 0 || strings.IndexByte(tok, '\r') >= 0 {
		return Compact{}, errCharacter
	}
	return Compact{
		Header:       tok[:first],
		Payload:      tok[first+1 : second],
		Signature:    tok[second+1:],
		SigningInput: tok[:second],
	}, nil
}

// DecodePart decodes one base64url part, accepting only its canonical
// spelling, into a new slice.
func DecodePart(part string) ([]byte, error) {
	buf := make([]byte, b64.DecodedLen(len(part)))
	n, err := b64.Decode(buf, BytesView(part))
	if err != nil {
		return nil, errEncoding
	}
	return buf[:n], nil
}

// maxHeaderSize bounds an encoded protected header that has to be decoded
// (headers written here are compared, not decoded). It is checked before
// the signature, so it caps what an unauthenticated header can cost: 2 KiB
// holds any header of alg, kid, typ and the like, but not certificate
// chains, which this package ignores anyway.
const maxHeaderSize = 2 << 10

// Header is what verification reads from a protected header.
type Header struct {
	Alg string
	Kid string // "" when absent: an empty kid is refused
	// AccessToken records a typ of at+jwt (RFC 9068); any other typ
	// than that and JWT is refused by [ParseHeader].
	AccessToken bool
}

// ParseHeader decodes the encoded protected header part of a token
// strictly, after checking it against [maxHeaderSize].
func ParseHeader(part string) (Header, error) {
	if len(part) > maxHeaderSize {
		return Header{}, errHeaderTooLong
	}
	raw, err := DecodePart(part)
	if err != nil {
		return Header{}, err
	}
	return decodeHeader(string(raw))
}

// headerParameters are the registered JWS and JWE header parameter names
// (RFC 7515 §4.1, RFC 7516 §4.1, RFC 7797), all ASCII.
var headerParameters = [...]string{"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "b64", "enc", "zip"}

// decodeHeader decodes a protected header strictly. Members that could make
// a verifier fetch keys or change how the payload is read are rejected
// (crit, b64, and JWE's enc and zip), and so are names that differ from a
// registered parameter only in case, which other decoders may read as it;
// jwk, jku, x5u, x5c and other members are validated as JSON and ignored.
func decodeHeader(js string) (Header, error) {
	var h Header
	var hasAlg bool
	sc := strictjson.New(js)
	err := sc.Object(func(name string) error {
		var err error
		switch name {
		case "alg":
			hasAlg = true
			h.Alg, err = ReadString(&sc, "alg")
		case "kid":
			h.Kid, err = ReadString(&sc, "kid")
		case "typ":
			var typ string
			typ, err = ReadString(&sc, "typ")
			switch {
			case err != nil, len(typ) == 3 && EqualFoldASCII(typ, "JWT"):
			case isAccessTokenType(typ):
				h.AccessToken = true
			default:
				err = fail("header typ is not JWT or at+jwt")
			}
		case "crit":
			err = fail("header crit is not supported")
		case "b64":
			err = fail("header b64 is not supported")
		case "enc", "zip":
			err = fail("JWE is not supported")
		default:
			if confusableHeaderName(name) { // "ALG", "Crit", "JKU", ...
				return fail("header member name differs from a registered one only in letter case or Unicode folding")
			}
			err = sc.SkipValue()
		}
		return err
	})
	switch {
	case err != nil:
		return h, err
	case !sc.End():
		return h, fail("trailing data after the header object")
	case !hasAlg:
		return h, fail("header alg missing")
	}
	return h, nil
}

// isAccessTokenType reports whether typ is the media type of JWT access
// tokens, "at+jwt" or "application/at+jwt" (RFC 9068 §2.1), in any
// letter case (media types are case-insensitive, RFC 7515 §4.1.9).
func isAccessTokenType(typ string) bool {
	const short, long = "at+jwt", "application/at+jwt"
	return EqualFoldASCII(typ, short) || EqualFoldASCII(typ, long)
}
