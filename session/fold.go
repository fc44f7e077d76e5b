package session

import (
	"strings"
	"unicode/utf8"
)

// confusable reports whether name differs from a registered claim name, or
// from userIDClaim, yet equals it under Unicode case folding: other
// decoders would read it as that claim. encoding/json, and every Go decoder
// that matches member names to struct fields as it does, folds with
// [strings.EqualFold]: "ſub" (with U+017F, LATIN SMALL LETTER LONG S) reads
// as "sub", and U+212A (KELVIN SIGN) as "k".
func confusable(name, userIDClaim string) bool {
	runes, ascii := runeCount(name)
	if foldsToOther(name, runes, ascii, registered[:]) {
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
		return equalFoldASCII(u, name)
	case ascii && u[0] < utf8.RuneSelf && u[0]|0x20 != name[0]|0x20:
		return false // the first runes differ beyond ASCII case
	}
	return strings.EqualFold(u, name)
}

// foldsToOther reports whether name, of the given rune count, differs from
// one of names, which are all ASCII, yet equals it under Unicode case
// folding. Folding maps rune to rune, so only names with as many runes
// (bytes, being ASCII) are compared, and an all-ASCII name only by ASCII
// case: the usual name costs a length comparison per entry.
func foldsToOther(name string, runes int, ascii bool, names []string) bool {
	for _, n := range names {
		if len(n) != runes || n == name {
			continue
		}
		if ascii && equalFoldASCII(n, name) || !ascii && strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// runeCount returns the number of runes in s and whether all are ASCII.
func runeCount(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.RuneCountInString(s), false
		}
	}
	return len(s), true
}

// equalFoldASCII reports whether a and b are equal under ASCII case
// folding.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y || (x < 'a' || x > 'z') && a[i] != b[i] {
			return false
		}
	}
	return true
}

// confusableHeaderName reports whether name differs from a registered header
// parameter only in letter case, under Unicode case folding as in
// confusable: "\u212aid" (KELVIN SIGN) reads as "kid" to encoding/json.
func confusableHeaderName(name string) bool {
	runes, ascii := runeCount(name)
	return foldsToOther(name, runes, ascii, headerParameters[:])
}
