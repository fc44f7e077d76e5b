package middleware

import "encoding/json"

// jsonHasString reports whether raw, a JSON value, is a string equal to
// want or an array with a string element equal to want. With fields, a
// string (but not an array element) counts as a space-separated list.
// The common case, strings without escapes, allocates nothing.
func jsonHasString(raw string, want string, fields bool) bool {
	raw = trimJSONSpace(raw)
	if len(raw) < 2 || !(raw[0] == '"' && raw[len(raw)-1] == '"' || raw[0] == '[' && raw[len(raw)-1] == ']') {
		return false
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' {
			return jsonHasStringSlow(raw, want, fields)
		}
	}
	if raw[0] == '"' {
		return matchString(raw[1:len(raw)-1], want, fields)
	}
	// An array: '[' *( string ',' ) ']' with optional white space; no
	// element holds an escape, so the next '"' closes a string.
	rest := raw[1:]
	for {
		rest = trimJSONSpace(rest)
		if len(rest) == 0 || rest[0] != '"' {
			return false // an empty array or an element that is not a string
		}
		end := 1
		for end < len(rest) && rest[end] != '"' {
			end++
		}
		if end == len(rest) {
			return false
		}
		if string(rest[1:end]) == want {
			return true
		}
		rest = trimJSONSpace(rest[end+1:])
		if len(rest) == 0 || rest[0] != ',' {
			return false
		}
		rest = rest[1:]
	}
}

// jsonHasStringSlow is jsonHasString for values with escapes.
func jsonHasStringSlow(raw string, want string, fields bool) bool {
	var v any
	if json.Unmarshal([]byte(raw), &v) != nil {
		return false
	}
	switch v := v.(type) {
	case string:
		return matchString(v, want, fields)
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok && s == want {
				return true
			}
		}
	}
	return false
}

// matchString reports whether s equals want or, with fields, whether one
// of its space-separated fields does.
func matchString(s string, want string, fields bool) bool {
	if !fields {
		return string(s) == want
	}
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != ' ' {
			i++
		}
		if i > 0 && string(s[:i]) == want {
			return true
		}
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return false
}

func trimJSONSpace(b string) string {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
