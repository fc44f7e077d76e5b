// Package srccheck holds checks on the library's own source code, run by
// go test. It has no code of its own.
package srccheck
