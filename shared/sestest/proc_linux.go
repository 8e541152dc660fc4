package sestest

import "syscall"

// setParentDeathSignal has the kernel kill the server if the test binary dies
// without calling Close (a panic, or go test's -timeout), so no orphan keeps
// the port.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
