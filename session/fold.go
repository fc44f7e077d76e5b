package session

import (
	"strings"
	"unicode/utf8"

	"github.com/jwtsession/jwtsession/internal/jose"
)

// confusable reports whether name differs from a registered claim name, or
// from userIDClaim, yet equals it under Unicode case folding: other
// decoders would read it as that claim. encoding/json, and every Go decoder
// that matches member names to struct fields as it does, folds with
// [strings.EqualFold]: "ſub" (with U+017F, LATIN SMALL LETTER LONG S) reads
// as "sub", and U+212A (KELVIN SIGN) as "k".
func confusable(name, userIDClaim string) bool {
	runes, ascii := jose.RuneCount(name)
	if jose.FoldsToOther(name, runes, ascii, registered[:]) {
		return true
	}
	// userIDClaim may hold any runes. Folding maps rune to rune, and a
	// rune outside ASCII takes two bytes or more, so a userIDClaim that
	// folds to name has at least as many bytes as name has runes, and as
	// many bytes as an ASCII name only when it is ASCII itself.
	u := userIDClaim
	switch {
	case u == name || len(u) < runes || name == "":
		return false
	case ascii && len(u) == len(name):
		return jose.EqualFoldASCII(u, name)
	case ascii && u[0] < utf8.RuneSelf && u[0]|0x20 != name[0]|0x20:
		return false // the first runes differ beyond ASCII case
	}
	return strings.EqualFold(u, name)
}
