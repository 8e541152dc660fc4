//go:build unix && !linux

package rie

type child struct{ pid int }

// children is not needed where the emulator does not run (it is built for
// Linux); elsewhere the process group signal is all there is.
func children(int) []child { return nil }

func (child) alive() bool { return false }
