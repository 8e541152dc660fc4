//go:build unix && !linux

package procgroup

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
