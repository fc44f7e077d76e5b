package jose

import "fmt"

// Error is what the engine rejects, and why. Detail says what is wrong
// without a package prefix and without echoing the input; the values for
// the common rejections are built once, so that returning one allocates
// nothing.
type Error struct {
	Detail string
}

// Error returns the detail, prefixed with the package name.
func (e *Error) Error() string { return "jose: " + e.Detail }

func fail(detail string) *Error { return &Error{detail} }

func failf(format string, args ...any) *Error { return &Error{fmt.Sprintf(format, args...)} }

// Errors of the compact serialization and of signatures, built once.
var (
	errEmpty         = fail("empty token")
	errCharacter     = fail("token contains a line break")
	errParts         = fail("token is not a compact JWS with three parts")
	errEmptyPart     = fail("token has an empty part")
	errEncoding      = fail("token part is not canonical unpadded base64url")
	errHeaderTooLong = fail("protected header exceeds 2 KiB")
	errSignature     = fail("signature does not verify")
	errVerifyOnly    = fail("the key only verifies; signing needs a private key or secret")
)
