package session_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// Decoding is tested through Verify on tokens whose header and payload
// bytes are written here and signed with the test's own HMAC, so every
// case reaches the claims decoder with exactly these bytes.

var (
	expSoon = unix(t0.Add(time.Hour))    // a valid exp
	past    = unix(t0.Add(-time.Minute)) // a valid nbf, iat or auth_time
)

// verifyPayload signs payload under a plain HS256 header and verifies it
// with a Manager whose clock stands at t0.
func verifyPayload(t *testing.T, payload string, opts session.Options) (*session.Claims, error) {
	t.Helper()
	return verifyParts(t, hs256Header, payload, opts)
}

// verifyParts signs header and payload as given and verifies the token.
func verifyParts(t *testing.T, header, payload string, opts session.Options) (*session.Claims, error) {
	t.Helper()
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), opts)
	c, err := verify(m, signToken(secret, header, payload))
	if err == nil && c == nil {
		t.Fatalf("Verify returned neither claims nor an error")
	}
	return c, err
}

// withClaims returns a valid claims object with more members appended.
func withClaims(more string) string {
	return `{"user_id":"u","exp":` + expSoon + more + `}`
}

func TestDecodeDuplicateMembers(t *testing.T) {
	many := ""
	for i := range 20 {
		many += fmt.Sprintf(`,"c%d":%d`, i, i)
	}
	tests := []struct {
		name    string
		header  string
		payload string
		want    error
	}{
		{name: "no duplicates", payload: withClaims(`,"app":{"a":1,"b":{"a":2}},"list":[{"a":1},{"a":1}]`)},
		{name: "many distinct members", payload: withClaims(many)},
		{name: "exp twice", payload: withClaims(`,"exp":` + expSoon), want: session.ErrInvalid},
		{name: "exp twice, later one expired", payload: withClaims(`,"exp":1`), want: session.ErrInvalid},
		{name: "user_id twice", payload: `{"user_id":"u","user_id":"admin","exp":` + expSoon + `}`, want: session.ErrInvalid},
		{name: "exp twice via escape", payload: withClaims(`,"\u0065xp":` + expSoon), want: session.ErrInvalid},
		{name: "application claim twice", payload: withClaims(`,"role":"user","role":"admin"`), want: session.ErrInvalid},
		{name: "duplicate after many members", payload: withClaims(many + `,"c3":3`), want: session.ErrInvalid},
		{name: "nested in application claim", payload: withClaims(`,"app":{"a":1,"a":2}`), want: session.ErrInvalid},
		{name: "deeply nested in application claim", payload: withClaims(`,"app":[1,{"x":[{"k":1,"j":2,"k":3}]}]`), want: session.ErrInvalid},
		{name: "header alg twice", header: `{"alg":"HS256","alg":"HS256"}`, payload: withClaims(``), want: session.ErrInvalid},
		{name: "header alg none then HS256", header: `{"alg":"none","alg":"HS256"}`, payload: withClaims(``), want: session.ErrInvalid},
		{name: "header typ twice", header: `{"alg":"HS256","typ":"JWT","typ":"JWT"}`, payload: withClaims(``), want: session.ErrInvalid},
		{name: "header kid twice", header: `{"alg":"HS256","kid":"a","kid":"b"}`, payload: withClaims(``), want: session.ErrInvalid},
		{name: "header nested in ignored member", header: `{"alg":"HS256","jwk":{"kty":"oct","kty":"oct"}}`, payload: withClaims(``), want: session.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := tt.header
			if header == "" {
				header = hs256Header
			}
			_, err := verifyParts(t, header, tt.payload, session.Options{})
			checkOnly(t, err, tt.want)
		})
	}
}

func TestDecodeCaseVariantNames(t *testing.T) {
	tests := []struct {
		name    string
		opts    session.Options
		payload string
		want    error
	}{
		{name: "exact names", payload: withClaims(`,"iat":` + past + `,"nbf":` + past)},
		{name: "EXP alongside exp", payload: withClaims(`,"EXP":9999999999`), want: session.ErrInvalid},
		{name: "Exp instead of exp", payload: `{"user_id":"u","Exp":` + expSoon + `}`, want: session.ErrInvalid},
		{name: "User_ID alongside user_id", payload: withClaims(`,"User_ID":"admin"`), want: session.ErrInvalid},
		{name: "USER_ID instead of user_id", payload: `{"USER_ID":"u","exp":` + expSoon + `}`, want: session.ErrInvalid},
		{name: "NBF", payload: withClaims(`,"NBF":1`), want: session.ErrInvalid},
		{name: "Iat", payload: withClaims(`,"Iat":1`), want: session.ErrInvalid},
		{name: "JTI", payload: withClaims(`,"JTI":"x"`), want: session.ErrInvalid},
		{name: "Sid", payload: withClaims(`,"Sid":"x"`), want: session.ErrInvalid},
		{name: "AUTH_TIME", payload: withClaims(`,"AUTH_TIME":1`), want: session.ErrInvalid},
		{name: "Iss", payload: withClaims(`,"Iss":"x"`), want: session.ErrInvalid},
		{name: "AUD", payload: withClaims(`,"AUD":"x"`), want: session.ErrInvalid},
		{name: "Sub", payload: withClaims(`,"Sub":"x"`), want: session.ErrInvalid},
		{name: "escaped EXP", payload: withClaims(`,"\u0045XP":1`), want: session.ErrInvalid},
		{name: "custom claim", opts: session.Options{UserIDClaim: "uid"}, payload: `{"uid":"u","exp":` + expSoon + `}`},
		{name: "custom claim case variant", opts: session.Options{UserIDClaim: "uid"}, payload: `{"uid":"u","UID":"admin","exp":` + expSoon + `}`, want: session.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verifyPayload(t, tt.payload, tt.opts)
			checkOnly(t, err, tt.want)
		})
	}
}

func TestDecodeUserID(t *testing.T) {
	tests := []struct {
		name  string
		value string // JSON text of user_id; "" leaves it out
		want  string // "" means the token is rejected as invalid
	}{
		{name: "integer", value: `42`, want: "42"},
		{name: "string", value: `"42"`, want: "42"},
		{name: "zero", value: `0`, want: "0"},
		{name: "2^53+1 stays exact", value: `9007199254740993`, want: "9007199254740993"},
		{name: "beyond uint64 stays exact", value: `123456789012345678901234567890`, want: "123456789012345678901234567890"},
		{name: "unicode string", value: `"ünï"`, want: "ünï"},
		{name: "escaped string", value: `"\u00fcn\"i\\"`, want: "ün\"i\\"},
		{name: "fraction", value: `42.0`},
		{name: "exponent", value: `4.2e1`},
		{name: "integer exponent", value: `42e0`},
		{name: "negative", value: `-1`},
		{name: "negative zero", value: `-0`},
		{name: "leading zero", value: `042`},
		{name: "true", value: `true`},
		{name: "false", value: `false`},
		{name: "null", value: `null`},
		{name: "empty array", value: `[]`},
		{name: "array of string", value: `["42"]`},
		{name: "object", value: `{}`},
		{name: "empty string", value: `""`},
		{name: "invalid UTF-8", value: "\"a\xffb\""},
		{name: "escaped NUL", value: `"\u0000"`},
		{name: "escaped NUL inside", value: `"4\u00002"`},
		{name: "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := `{"exp":` + expSoon + `}`
			if tt.value != "" {
				payload = `{"user_id":` + tt.value + `,"exp":` + expSoon + `}`
			}
			c, err := verifyPayload(t, payload, session.Options{})
			if tt.want == "" {
				checkOnly(t, err, session.ErrInvalid)
				return
			}
			checkErr(t, err, nil)
			if c.UserID != tt.want {
				t.Fatalf("UserID: got %q, want %q", c.UserID, tt.want)
			}
		})
	}
}

func TestDecodeTimeClaims(t *testing.T) {
	valid := map[string]string{"exp": expSoon, "nbf": past, "iat": past, "auth_time": past}
	payloadWith := func(name, value string) string {
		var b strings.Builder
		b.WriteString(`{"user_id":"u","sid":"s"`)
		for _, n := range []string{"exp", "nbf", "iat", "auth_time"} {
			v := valid[n]
			if n == name {
				v = value
			}
			b.WriteString(`,"` + n + `":` + v)
		}
		b.WriteString(`}`)
		return b.String()
	}
	rejected := []struct {
		name, value string
	}{
		{"string", `"` + expSoon + `"`},
		{"true", `true`},
		{"null", `null`},
		{"array", `[` + expSoon + `]`},
		{"object", `{}`},
		{"1e308", `1e308`},
		{"9.3e18", `9.3e18`},
		{"1.7e9", `1.7e9`},
		{"9300000000000000000", `9300000000000000000`},
		{"past year 9999", `253402300800`},
		{"negative", `-1`},
		{"negative zero", `-0`},
		{"exponent", `17e8`},
		{"capital exponent", `1E9`},
		{"negative exponent", `1700000000e-0`},
		{"leading zero", `01700000000`},
		{"trailing dot", `1700000000.`},
		{"leading dot", `.5`},
		{"plus sign", `+1700000000`},
	}
	for _, claim := range []string{"exp", "nbf", "iat", "auth_time"} {
		t.Run(claim+"/valid", func(t *testing.T) {
			_, err := verifyPayload(t, payloadWith(claim, valid[claim]), session.Options{})
			checkErr(t, err, nil)
		})
		for _, tt := range rejected {
			t.Run(claim+"/"+tt.name, func(t *testing.T) {
				_, err := verifyPayload(t, payloadWith(claim, tt.value), session.Options{})
				checkOnly(t, err, session.ErrInvalid)
			})
		}
	}
}

func TestDecodeFractionalTimes(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		at      time.Time // verification time
		check   func(*session.Claims) (got, want time.Time)
		wantErr error
	}{
		{
			name:    "exp truncated",
			payload: `{"user_id":"u","exp":` + unix(t0.Add(100*time.Second)) + `.9}`,
			at:      t0,
			check:   func(c *session.Claims) (time.Time, time.Time) { return c.ExpiresAt, t0.Add(100 * time.Second) },
		},
		{
			name:    "exp truncated, not rounded up",
			payload: `{"user_id":"u","exp":` + unix(t0.Add(100*time.Second)) + `.9}`,
			at:      t0.Add(100 * time.Second),
			wantErr: session.ErrExpired,
		},
		{
			name:    "nbf truncated",
			payload: `{"user_id":"u","exp":` + expSoon + `,"nbf":` + unix(t0) + `.999}`,
			at:      t0,
			check:   func(c *session.Claims) (time.Time, time.Time) { return c.NotBefore, t0 },
		},
		{
			name:    "iat truncated",
			payload: `{"user_id":"u","exp":` + expSoon + `,"iat":` + unix(t0) + `.5}`,
			at:      t0,
			check:   func(c *session.Claims) (time.Time, time.Time) { return c.IssuedAt, t0 },
		},
		{
			name:    "auth_time kept to the millisecond",
			payload: `{"user_id":"u","sid":"s","exp":` + expSoon + `,"auth_time":` + past + `.25}`,
			at:      t0,
			check: func(c *session.Claims) (time.Time, time.Time) {
				return c.AuthTime, t0.Add(-time.Minute + 250*time.Millisecond)
			},
		},
		{
			name:    "auth_time truncated past the millisecond",
			payload: `{"user_id":"u","sid":"s","exp":` + expSoon + `,"auth_time":` + past + `.0129999}`,
			at:      t0,
			check: func(c *session.Claims) (time.Time, time.Time) {
				return c.AuthTime, t0.Add(-time.Minute + 12*time.Millisecond)
			},
		},
		{
			name:    "many fraction digits",
			payload: `{"user_id":"u","exp":` + expSoon + `.12345678901234567890123456789}`,
			at:      t0,
			check:   func(c *session.Claims) (time.Time, time.Time) { return c.ExpiresAt, t0.Add(time.Hour) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := newSecret(t)
			clock := newClock(tt.at)
			m := newManager(t, secret, clock, session.Options{})
			c, err := verify(m, signToken(secret, hs256Header, tt.payload))
			checkOnly(t, err, tt.wantErr)
			if tt.check != nil {
				if got, want := tt.check(c); !got.Equal(want) {
					t.Fatalf("got %v, want %v", got, want)
				}
			}
		})
	}
}

func TestDecodeRequiredClaims(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    error
	}{
		{name: "user_id and exp", payload: `{"user_id":"u","exp":` + expSoon + `}`},
		{name: "exp missing", payload: `{"user_id":"u"}`, want: session.ErrInvalid},
		{name: "exp missing, nbf and iat present", payload: `{"user_id":"u","nbf":` + past + `,"iat":` + past + `}`, want: session.ErrInvalid},
		{name: "empty object", payload: `{}`, want: session.ErrInvalid},
		{name: "empty sid", payload: withClaims(`,"sid":""`), want: session.ErrInvalid},
		{name: "empty jti", payload: withClaims(`,"jti":""`), want: session.ErrInvalid},
		{name: "empty iss", payload: withClaims(`,"iss":""`), want: session.ErrInvalid},
		{name: "sid not a string", payload: withClaims(`,"sid":1`), want: session.ErrInvalid},
		{name: "jti not a string", payload: withClaims(`,"jti":null`), want: session.ErrInvalid},
		{name: "iss not a string", payload: withClaims(`,"iss":["a"]`), want: session.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verifyPayload(t, tt.payload, session.Options{})
			checkOnly(t, err, tt.want)
		})
	}
}

func TestDecodeAudience(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []string // nil means rejected
	}{
		{name: "string", value: `"api"`, want: []string{"api"}},
		{name: "array of one", value: `["api"]`, want: []string{"api"}},
		{name: "array of two", value: `["api","web"]`, want: []string{"api", "web"}},
		{name: "array with spaces", value: `[ "api" , "web" ]`, want: []string{"api", "web"}},
		{name: "empty array", value: `[]`},
		{name: "empty string", value: `""`},
		{name: "array with empty string", value: `["api",""]`},
		{name: "number", value: `1`},
		{name: "array of numbers", value: `[1,2]`},
		{name: "mixed array", value: `["api",1]`},
		{name: "nested array", value: `[["api"]]`},
		{name: "null", value: `null`},
		{name: "array with null", value: `["api",null]`},
		{name: "object", value: `{"api":true}`},
		{name: "trailing comma", value: `["api",]`},
		{name: "unterminated", value: `["api"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := verifyPayload(t, withClaims(`,"aud":`+tt.value), session.Options{Audience: []string{"api"}})
			if tt.want == nil {
				checkOnly(t, err, session.ErrInvalid)
				return
			}
			checkErr(t, err, nil)
			if !slices.Equal(c.Audience(), tt.want) {
				t.Fatalf("Audience: got %q, want %q", c.Audience(), tt.want)
			}
		})
	}
}

func TestDecodeStrings(t *testing.T) {
	tests := []struct {
		name   string
		value  string // JSON string literal, used as user_id, as an application claim value and inside a member name
		wantID string // "" means rejected
	}{
		{name: "ASCII", value: `"abc"`, wantID: "abc"},
		{name: "raw multibyte UTF-8", value: `"日本"`, wantID: "日本"},
		{name: "raw U+FFFD", value: "\"\xef\xbf\xbd\"", wantID: "\ufffd"},
		{name: "escaped surrogate pair", value: `"\ud83d\ude00"`, wantID: "😀"},
		{name: "escaped surrogate pair, upper-case hex", value: `"\uD83D\uDE00"`, wantID: "😀"},
		{name: "escaped newline", value: `"a\nb"`, wantID: "a\nb"},
		{name: "escaped solidus", value: `"a\/b"`, wantID: "a/b"},
		{name: "raw DEL", value: "\"a\x7fb\"", wantID: "a\x7fb"},
		{name: "invalid byte", value: "\"a\xffb\""},
		{name: "truncated sequence", value: "\"a\xc3\""},
		{name: "bad continuation", value: "\"\xc3\x28\""},
		{name: "overlong slash", value: "\"\xc0\xaf\""},
		{name: "UTF-8 encoded surrogate", value: "\"\xed\xa0\x80\""},
		{name: "beyond U+10FFFF", value: "\"\xf4\x90\x80\x80\""},
		{name: "lone high surrogate", value: `"\ud800"`},
		{name: "lone low surrogate", value: `"\udc00"`},
		{name: "high surrogate then letter", value: `"\ud800x"`},
		{name: "high surrogate then non-surrogate escape", value: `"\ud800\u0041"`},
		{name: "two high surrogates", value: `"\ud800\ud800"`},
		{name: "two low surrogates", value: `"\udc00\udc00"`},
		{name: "low then high surrogate", value: `"\udc00\ud800"`},
		{name: "escaped NUL", value: `"\u0000"`},
		{name: "raw NUL", value: "\"a\x00b\""},
		{name: "raw control character", value: "\"a\x01b\""},
		{name: "raw newline", value: "\"a\nb\""},
		{name: "raw tab", value: "\"a\tb\""},
		{name: "raw unit separator", value: "\"a\x1fb\""},
		{name: "invalid escape", value: `"a\xb"`},
		{name: "short unicode escape", value: `"\u12"`},
		{name: "non-hex unicode escape", value: `"\u12g4"`},
		{name: "unterminated", value: `"abc`},
		{name: "trailing backslash", value: `"abc\`},
		{name: "single quotes", value: `'abc'`},
	}
	for _, tt := range tests {
		wantErr := error(nil)
		if tt.wantID == "" {
			wantErr = session.ErrInvalid
		}
		t.Run(tt.name+"/user_id", func(t *testing.T) {
			c, err := verifyPayload(t, `{"user_id":`+tt.value+`,"exp":`+expSoon+`}`, session.Options{})
			checkOnly(t, err, wantErr)
			if err == nil && c.UserID != tt.wantID {
				t.Fatalf("UserID: got %q, want %q", c.UserID, tt.wantID)
			}
		})
		t.Run(tt.name+"/application claim", func(t *testing.T) {
			c, err := verifyPayload(t, withClaims(`,"note":`+tt.value), session.Options{})
			checkOnly(t, err, wantErr)
			if err == nil && string(session.Extra(c)["note"]) != tt.value {
				t.Fatalf("Extra[note]: got %s, want the exact text %s", session.Extra(c)["note"], tt.value)
			}
		})
		t.Run(tt.name+"/member name", func(t *testing.T) {
			_, err := verifyPayload(t, withClaims(`,`+tt.value+`:1`), session.Options{})
			checkOnly(t, err, wantErr)
		})
		t.Run(tt.name+"/header member", func(t *testing.T) {
			_, err := verifyParts(t, `{"alg":"HS256","x":`+tt.value+`}`, withClaims(``), session.Options{})
			checkOnly(t, err, wantErr)
		})
	}
}

func TestDecodeNesting(t *testing.T) {
	// Depth counts values: the application claim's value is level 1, so
	// arrays(32) is an empty array 32 levels down and number(32) is a
	// number at level 32 inside 31 arrays.
	arrays := func(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }
	objects := func(depth int) string {
		return strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1)
	}
	number := func(depth int) string {
		return strings.Repeat("[", depth-1) + "1" + strings.Repeat("]", depth-1)
	}
	big := session.Options{MaxTokenSize: 1 << 20}
	tests := []struct {
		name   string
		header string
		claim  string
		opts   session.Options
		ok     bool
	}{
		{name: "moderate arrays", claim: arrays(10), ok: true},
		{name: "moderate objects", claim: objects(10), ok: true},
		{name: "32 arrays", claim: arrays(32), ok: true},
		{name: "33 arrays", claim: arrays(33)},
		{name: "32 objects", claim: objects(32), ok: true},
		{name: "33 objects", claim: objects(33)},
		{name: "number at level 32", claim: number(32), ok: true},
		{name: "number at level 33", claim: number(33)},
		{name: "mixed beyond the limit", claim: strings.Repeat(`[{"a":`, 20) + "1" + strings.Repeat("}]", 20)},
		{name: "100000 arrays", claim: arrays(100_000), opts: big},
		{name: "100000 unclosed arrays", claim: strings.Repeat("[", 100_000), opts: big},
		{name: "header moderate", header: `{"alg":"HS256","x":` + objects(10) + `}`, claim: "1", ok: true},
		{name: "header beyond the limit", header: `{"alg":"HS256","x":` + arrays(33) + `}`, claim: "1"},
		{name: "header 100000 arrays", header: `{"alg":"HS256","x":` + arrays(100_000) + `}`, claim: "1", opts: big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := tt.header
			if header == "" {
				header = hs256Header
			}
			c, err := verifyParts(t, header, withClaims(`,"deep":`+tt.claim), tt.opts)
			if !tt.ok {
				checkOnly(t, err, session.ErrInvalid)
				return
			}
			checkErr(t, err, nil)
			if got := string(session.Extra(c)["deep"]); got != tt.claim {
				t.Fatalf("Extra[deep]: got %s, want %s", got, tt.claim)
			}
		})
	}
}

func TestDecodeNotAnObject(t *testing.T) {
	claims := withClaims(``)
	tests := []struct {
		name    string
		payload string
		ok      bool
	}{
		{name: "object", payload: claims, ok: true},
		{name: "surrounding white space", payload: " \t\r\n" + claims + "\n ", ok: true},
		{name: "spaces inside", payload: `{ "user_id" : "u" , "exp" : ` + expSoon + ` }`, ok: true},
		{name: "array", payload: `[` + claims + `]`},
		{name: "empty array", payload: `[]`},
		{name: "string", payload: `"` + claims + `"`},
		{name: "number", payload: `42`},
		{name: "null", payload: `null`},
		{name: "true", payload: `true`},
		{name: "white space only", payload: ` `},
		{name: "open brace", payload: `{`},
		{name: "unterminated", payload: `{"user_id":"u","exp":` + expSoon},
		{name: "trailing garbage", payload: claims + `x`},
		{name: "two objects", payload: claims + claims},
		{name: "trailing comma after object", payload: claims + `,`},
		{name: "trailing NUL", payload: claims + "\x00"},
		{name: "trailing comma inside", payload: `{"user_id":"u","exp":` + expSoon + `,}`},
		{name: "missing colon", payload: `{"user_id" "u","exp":` + expSoon + `}`},
		{name: "missing comma", payload: `{"user_id":"u" "exp":` + expSoon + `}`},
		{name: "byte order mark", payload: "\xef\xbb\xbf" + claims},
		{name: "single-quoted names", payload: `{'user_id':'u','exp':` + expSoon + `}`},
		{name: "unquoted names", payload: `{user_id:"u",exp:` + expSoon + `}`},
		{name: "comment", payload: `{"user_id":"u",/* c */"exp":` + expSoon + `}`},
		{name: "NaN", payload: withClaims(`,"x":NaN`)},
		{name: "Infinity", payload: withClaims(`,"x":Infinity`)},
		{name: "hex number", payload: withClaims(`,"x":0x10`)},
		{name: "capitalised literal", payload: withClaims(`,"x":True`)},
		{name: "truncated literal", payload: withClaims(`,"x":nul`)},
		{name: "literal with suffix", payload: withClaims(`,"x":truex`)},
		{name: "vertical tab as space", payload: "{\v\"user_id\":\"u\",\"exp\":" + expSoon + "}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verifyPayload(t, tt.payload, session.Options{})
			if tt.ok {
				checkErr(t, err, nil)
				return
			}
			checkOnly(t, err, session.ErrInvalid)
		})
	}
}

func TestDecodeApplicationClaimsKeptVerbatim(t *testing.T) {
	values := []string{`1`, `-1.5e-3`, `0`, `"s"`, `true`, `false`, `null`, `[]`, `{}`, `[1,"a",{"b":[null]}]`, `{"a":{"b":{"c":"\u00e9"}}}`}
	for _, v := range values {
		t.Run(v, func(t *testing.T) {
			c, err := verifyPayload(t, withClaims(`,"app":`+v), session.Options{})
			checkErr(t, err, nil)
			if got := string(session.Extra(c)["app"]); got != v {
				t.Fatalf("Extra[app]: got %s, want %s", got, v)
			}
		})
	}
}
