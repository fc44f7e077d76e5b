//go:build !linux

package redistest

import "os/exec"

// setParentDeathSignal does nothing where the kernel offers no such
// signal; the test's cleanup still stops the server.
func setParentDeathSignal(*exec.Cmd) {}
