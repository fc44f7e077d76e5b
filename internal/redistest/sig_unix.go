//go:build unix

package redistest

import (
	"os"
	"syscall"
)

// The signals that freeze and continue a process.
var sigStop, sigCont os.Signal = syscall.SIGSTOP, syscall.SIGCONT
