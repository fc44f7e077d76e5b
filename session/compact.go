package session

import "unsafe"

// b64urlChar marks the bytes of the unpadded base64url alphabet.
var b64urlChar = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['_'] = true, true
	return t
}()

// bytesView returns the bytes of s without copying. The result must only
// be read: it is for decoders and hashes that take []byte.
func bytesView(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// compact is a compact JWS split into its parts, each still encoded.
type compact struct {
	header, payload, signature string
	// signingInput is header "." payload.
	signingInput string
}

// splitCompact splits a compact JWS in one pass. It rejects any byte
// outside base64url and '.', any part count other than three, and empty
// parts, so JWE (five parts), JSON serialization, padding and white space
// never reach a decoder. The caller has already bounded len(tok).
func splitCompact(tok string) (compact, error) {
	if tok == "" {
		return compact{}, errEmpty
	}
	first, second := -1, -1
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if b64urlChar[c] {
			continue
		}
		if c != '.' {
			return compact{}, errCharacter
		}
		switch {
		case first < 0:
			first = i
		case second < 0:
			second = i
		default:
			return compact{}, errParts
		}
	}
	if second < 0 {
		return compact{}, errParts
	}
	if first == 0 || second == first+1 || second == len(tok)-1 {
		return compact{}, errEmptyPart
	}
	return compact{
		header:       tok[:first],
		payload:      tok[first+1 : second],
		signature:    tok[second+1:],
		signingInput: tok[:second],
	}, nil
}

// decodePart decodes one base64url part, accepting only its canonical
// spelling.
func decodePart(part string) ([]byte, error) {
	buf := make([]byte, b64.DecodedLen(len(part)))
	n, err := b64.Decode(buf, bytesView(part))
	if err != nil {
		return nil, errEncoding
	}
	return buf[:n], nil
}

// header is what verification reads from a protected header.
type header struct {
	alg    string
	kid    string
	hasKid bool
}

// decodeHeader decodes a protected header strictly. Members that could make
// a verifier fetch keys or change how the payload is read are rejected
// (crit, b64, and JWE's enc and zip); jwk, jku, x5u, x5c and other members
// are validated as JSON and ignored.
func decodeHeader(js string) (header, error) {
	var h header
	var hasAlg bool
	sc := scanner{s: js}
	err := sc.object(func(name string) error {
		var err error
		switch name {
		case "alg":
			hasAlg = true
			h.alg, err = sc.nonEmptyString("alg")
		case "kid":
			h.hasKid = true
			h.kid, err = sc.nonEmptyString("kid")
		case "typ":
			var typ string
			typ, err = sc.nonEmptyString("typ")
			if err == nil && !(len(typ) == 3 && equalFoldASCII(typ, "JWT")) {
				err = invalid("header typ is not JWT")
			}
		case "crit":
			err = invalid("header crit is not supported")
		case "b64":
			err = invalid("header b64 is not supported")
		case "enc", "zip":
			err = invalid("JWE is not supported")
		default:
			err = sc.skipValue(1)
		}
		return err
	})
	switch {
	case err != nil:
		return h, err
	case !sc.end():
		return h, invalid("trailing data after the header object")
	case !hasAlg:
		return h, invalid("header alg missing")
	}
	return h, nil
}
