//go:build unix && !linux

package rie

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
