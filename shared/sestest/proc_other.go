//go:build !unix

package sestest

import (
	"context"
	"errors"
	"os"
	"syscall"
)

var errUnsupported = errors.New("sestest: only Unix-like systems are supported")

func sysProcAttr() *syscall.SysProcAttr              { return nil }
func signalGroup(p *os.Process, _ bool) error        { return p.Kill() }
func lockFile(context.Context, *os.File, bool) error { return errUnsupported }
func unlockFile(*os.File) error                      { return nil }
