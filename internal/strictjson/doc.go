// Package strictjson is the strict JSON reader behind the session
// package's header and claims decoders. It is not part of the library.
//
// A [Scanner] reads RFC 8259 JSON from a string without building values:
// the caller walks objects member by member and reads each value with the
// method for what it expects. On top of RFC 8259 it rejects duplicate
// object members at any depth, invalid UTF-8, lone surrogates and NUL
// characters in strings, and nesting deeper than [MaxDepth]. A string
// without escapes is returned as a substring of the input, so the usual
// token allocates nothing here.
//
// Its errors are [*Error] values, built once; the caller wraps them in its
// own error taxonomy.
package strictjson
