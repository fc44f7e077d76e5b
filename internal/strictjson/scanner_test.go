package strictjson_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/internal/strictjson"
)

// skipAll reads s as one JSON value followed by white space only.
func skipAll(s string) error {
	sc := strictjson.New(s)
	if err := sc.SkipValue(); err != nil {
		return err
	}
	if !sc.End() {
		return errors.New("trailing data")
	}
	return nil
}

func TestSkipValue(t *testing.T) {
	deep := strings.Repeat("[", strictjson.MaxDepth) + strings.Repeat("]", strictjson.MaxDepth)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"object", ` {"a": 1, "b": [true, false, null], "c": {"d": "e"}} `, true},
		{"empty object and array", `{"a":{},"b":[]}`, true},
		{"numbers", `[0, -0, 1.5, -12e3, 4E+2, 5e-1]`, true},
		{"escapes", `"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"`, true},
		{"UTF-8", `"größe ✓"`, true},
		{"nesting at the bound", deep, true},
		{"nesting past the bound", "[" + deep + "]", false},
		{"duplicate member", `{"a":1,"a":2}`, false},
		{"nested duplicate member", `{"x":[{"a":1,"a":2}]}`, false},
		{"duplicate after many members", `{"a0":0,"a1":1,"a2":2,"a3":3,"a4":4,"a5":5,"a6":6,"a7":7,"a8":8,"a9":9,"b0":0,"b1":1,"b2":2,"b3":3,"b4":4,"b5":5,"b6":6,"a3":3}`, false},
		{"duplicate spelled with an escape", `{"a":1,"\u0061":2}`, false},
		{"same name in sibling objects", `[{"a":1},{"a":1}]`, true},
		{"leading zero", `01`, false},
		{"bare minus", `-`, false},
		{"fraction without digits", `1.`, false},
		{"exponent without digits", `1e`, false},
		{"plus sign", `+1`, false},
		{"single quotes", `'a'`, false},
		{"trailing comma in object", `{"a":1,}`, false},
		{"trailing comma in array", `[1,]`, false},
		{"missing colon", `{"a" 1}`, false},
		{"unquoted name", `{a:1}`, false},
		{"unterminated string", `"abc`, false},
		{"unterminated escape", `"abc\`, false},
		{"control character", "\"a\tb\"", false},
		{"invalid escape", `"\x41"`, false},
		{"short unicode escape", `"\u12"`, false},
		{"escaped NUL", `"a\u0000b"`, false},
		{"lone high surrogate", `"\ud800"`, false},
		{"lone low surrogate", `"\udc00"`, false},
		{"high surrogate then no low", `"\ud800\u0041"`, false},
		{"invalid UTF-8", "\"\xff\"", false},
		{"invalid UTF-8 after an escape", "\"\\n\xff\"", false},
		{"literal prefix", `tru`, false},
		{"empty input", ``, false},
		{"two values", `1 2`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := skipAll(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("skip %q: got %v, want ok=%v", tt.in, err, tt.ok)
			}
		})
	}
}

func TestErrorsAreSyntaxErrors(t *testing.T) {
	for _, in := range []string{`{"a":1,"a":2}`, `[1,]`, `"\ud800"`, "[" + strings.Repeat("[", strictjson.MaxDepth) + strings.Repeat("]", strictjson.MaxDepth+1)} {
		sc := strictjson.New(in)
		err := sc.SkipValue()
		var se *strictjson.Error
		if !errors.As(err, &se) || se.Detail == "" {
			t.Errorf("%q: got %v, want a *strictjson.Error with a detail", in, err)
		}
	}
	sc := strictjson.New(`{"a":1,"a":2}`)
	if err := sc.SkipValue(); !errors.Is(err, strictjson.ErrDuplicateMember) {
		t.Errorf("got %v, want ErrDuplicateMember", err)
	}
}

func TestStr(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`"plain"`, "plain"},
		{`""`, ""},
		{`"a\"b"`, `a"b`},
		{`"\u00fcn\/i"`, "ün/i"},
		{`"\ud83d\ude00"`, "😀"},
		{`"tab\there"`, "tab\there"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			sc := strictjson.New(tt.in)
			got, err := sc.Str()
			if err != nil || got != tt.want || !sc.End() {
				t.Fatalf("got %q, %v (end %v); want %q", got, err, sc.End(), tt.want)
			}
		})
	}
	sc := strictjson.New(`"plain"`)
	if allocs := testing.AllocsPerRun(100, func() { sc = strictjson.New(`"plain"`); sc.Str() }); allocs != 0 {
		t.Errorf("a string without escapes: got %v allocations, want 0", allocs)
	}
}

func TestNumberAndRawValue(t *testing.T) {
	sc := strictjson.New(` -12.5e+3 , {"a": [1, "x"]} `)
	n, err := sc.Number()
	if err != nil || n != "-12.5e+3" {
		t.Fatalf("Number: got %q, %v; want -12.5e+3", n, err)
	}
	if !sc.Consume(',') {
		t.Fatal("Consume(','): got false")
	}
	raw, err := sc.RawValue()
	if want := `{"a": [1, "x"]}`; err != nil || raw != want {
		t.Fatalf("RawValue: got %q, %v; want %q", raw, err, want)
	}
	if !sc.End() {
		t.Error("End: got false after the last value")
	}
}

func TestRestAndSkip(t *testing.T) {
	sc := strictjson.New(`{"a": 12x, "b": true}`)
	err := sc.Object(func(name string) error {
		if name != "a" {
			return sc.SkipValue()
		}
		rest := sc.Rest()
		if !strings.HasPrefix(rest, "12x") {
			t.Errorf("Rest: got %q, want the input after the white space", rest)
		}
		sc.Skip(3) // a value with a grammar of its own: "12x"
		return nil
	})
	if err != nil || !sc.End() {
		t.Fatalf("got %v (end %v), want the object read", err, sc.End())
	}
}

func TestObjectAndMembers(t *testing.T) {
	var names []string
	sc := strictjson.New(`{"b":1,"a":"x"}`)
	err := sc.Object(func(name string) error {
		names = append(names, name)
		return sc.SkipValue()
	})
	if err != nil || strings.Join(names, ",") != "b,a" {
		t.Fatalf("Object: got %v, %v; want [b a]", names, err)
	}

	sc = strictjson.New(`{"a":1,"a":2}`)
	count := 0
	if err := sc.Members(func(string) error { count++; return sc.SkipValue() }); err != nil || count != 2 {
		t.Fatalf("Members with a duplicate: got %d members, %v; want 2, nil (the caller checks)", count, err)
	}

	stop := errors.New("stop")
	sc = strictjson.New(`{"a":1}`)
	if err := sc.Object(func(string) error { return stop }); err != stop {
		t.Fatalf("member error: got %v, want it returned as it is", err)
	}

	for _, in := range []string{`[]`, `{"a":1`, `{"a":1 "b":2}`, `{1:2}`} {
		sc := strictjson.New(in)
		if err := sc.Object(func(string) error { return sc.SkipValue() }); err == nil {
			t.Errorf("Object(%q): got nil, want an error", in)
		}
	}
	sc = strictjson.New("  x")
	if got := sc.Next(); got != 'x' {
		t.Errorf("Next: got %q, want 'x'", got)
	}
}
