//go:build unix

// Package procgroup starts child processes in a process group of their own
// and stops the whole group, so that a local peer (aws-ses-v2-local under
// node, aws-lambda-rie and the bootstrap it starts) leaves no orphan behind.
// The local stack and the tests share it.
package procgroup

import (
	"errors"
	"syscall"
)

// SysProcAttr puts the child in a process group of its own, so that Signal
// reaches it and whatever it spawned, and (on Linux) asks the kernel to kill
// it if the caller dies first (a panic, or go test's -timeout), so no orphan
// keeps a port.
func SysProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(a)
	return a
}

// Signal sends SIGTERM (or SIGKILL when kill is set) to the process group
// pgid; a group that is already gone is not an error.
func Signal(pgid int, kill bool) error {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	if err := syscall.Kill(-pgid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

// Kill sends SIGKILL to the single process pid.
func Kill(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
