//go:build !unix

package procgroup

import (
	"os"
	"syscall"
)

// SysProcAttr is nil where process groups do not exist.
func SysProcAttr() *syscall.SysProcAttr { return nil }

// Signal kills the single process pgid where process groups do not exist.
func Signal(pgid int, _ bool) error {
	p, err := os.FindProcess(pgid)
	if err != nil {
		return err
	}
	return p.Kill()
}

// Kill kills the single process pid.
func Kill(pid int) { _ = Signal(pid, true) }
