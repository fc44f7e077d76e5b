package jose

import (
	"strings"
	"unicode/utf8"
)

// FoldsToOther reports whether name, of the given rune count, differs from
// one of names, which are all ASCII, yet equals it under Unicode case
// folding. Folding maps rune to rune, so only names with as many runes
// (bytes, being ASCII) are compared, and an all-ASCII name only by ASCII
// case: the usual name costs a length comparison per entry.
func FoldsToOther(name string, runes int, ascii bool, names []string) bool {
	for _, n := range names {
		if len(n) != runes || n == name {
			continue
		}
		if ascii && EqualFoldASCII(n, name) || !ascii && strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// RuneCount returns the number of runes in s and whether all are ASCII.
func RuneCount(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.RuneCountInString(s), false
		}
	}
	return len(s), true
}

// EqualFoldASCII reports whether a and b are equal under ASCII case
// folding.
func EqualFoldASCII(a, b string) bool {
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
// parameter only in letter case, under Unicode case folding as
// encoding/json reads member names: "\u212aid" (KELVIN SIGN) reads as
// "kid".
func confusableHeaderName(name string) bool {
	runes, ascii := RuneCount(name)
	return FoldsToOther(name, runes, ascii, headerParameters[:])
}
