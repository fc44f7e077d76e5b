package strictjson

// Error is a syntax error. Every Error is a package-level value, so that
// rejecting input allocates nothing.
type Error struct {
	// Detail says what is wrong, without a package prefix, for callers
	// that nest it in their own message.
	Detail string
}

func (e *Error) Error() string { return "strictjson: " + e.Detail }

func syntaxError(detail string) *Error { return &Error{detail} }

// The errors a Scanner returns.
var (
	ErrDuplicateMember = syntaxError("duplicate JSON member")

	errObjectExpected  = syntaxError("JSON object expected")
	errNameExpected    = syntaxError("JSON member name expected")
	errColonExpected   = syntaxError("JSON ':' expected")
	errObjectSeparator = syntaxError("JSON ',' or '}' expected")
	errArraySeparator  = syntaxError("JSON ',' or ']' expected")
	errTooDeep         = syntaxError("JSON nested too deeply")
	errValueExpected   = syntaxError("JSON value expected")
	errNumber          = syntaxError("malformed JSON number")
	errStringExpected  = syntaxError("JSON string expected")
	errControl         = syntaxError("control character in JSON string")
	errUTF8            = syntaxError("invalid UTF-8 in JSON string")
	errUnterminated    = syntaxError("unterminated JSON string")
	errEscape          = syntaxError("invalid JSON escape")
	errUnicodeEscape   = syntaxError("invalid JSON \\u escape")
	errNUL             = syntaxError("NUL character in JSON string")
	errSurrogate       = syntaxError("lone surrogate in JSON string")
)
