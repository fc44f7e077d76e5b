//go:build !unix

package redistest

import "os"

// No signal freezes a process here: [Server.Pause] skips the test.
var sigStop, sigCont os.Signal
