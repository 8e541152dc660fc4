package rie

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// child is a process identified by pid and start time, so that a pid the
// kernel has since given to another process is never signalled.
type child struct {
	pid   int
	start string
}

// children lists the processes whose parent is pid, from /proc. The
// emulator starts the bootstrap in a process group of its own, so
// signalling the emulator's group does not reach it.
func children(pid int) []child {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []child
	for _, p := range stats {
		c, ppid, ok := readStat(p)
		if ok && ppid == pid {
			out = append(out, c)
		}
	}
	return out
}

// readStat parses /proc/<pid>/stat: pid (comm) state ppid ... starttime
// (field 22); comm may hold spaces and parentheses.
func readStat(path string) (c child, ppid int, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return c, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return c, 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 20 {
		return c, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	c.pid, _ = strconv.Atoi(filepath.Base(filepath.Dir(path)))
	c.start = f[19]
	return c, ppid, true
}

// alive reports whether c is still the process it was.
func (c child) alive() bool {
	now, _, ok := readStat("/proc/" + strconv.Itoa(c.pid) + "/stat")
	return ok && now.start == c.start
}
