// Package demo holds what the example programs share: the demo accounts,
// the JSON responses of their token endpoints, and serving with a
// graceful shutdown. It is not part of the library.
package demo
