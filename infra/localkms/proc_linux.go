package localkms

import "syscall"

// sysProcAttr puts the emulator in a process group of its own and asks
// the kernel to kill it if the caller dies without calling Close.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
