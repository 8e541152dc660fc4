//go:build unix && !linux

package sestest

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
