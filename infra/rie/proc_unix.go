//go:build unix

package rie

import "syscall"

// sysProcAttr puts the emulator in a process group of its own, so that
// Close can stop it and the bootstrap it starts together, and (on Linux)
// asks the kernel to kill it if the caller dies without calling Close.
func sysProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(a)
	return a
}

func signalGroup(pgid int, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-pgid, sig)
}

func killProcess(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
