//go:build unix && !linux

package workers

import (
	"os"
	"os/exec"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// reap waits for the worker's process, then kills what is left of its process group (there is
// no waitid WNOWAIT here: the group id could in theory be reused in between).
func reap(w *worker, cmd *exec.Cmd) error {
	err := cmd.Wait()
	w.sigMu.Lock()
	defer w.sigMu.Unlock()
	w.reaped = true
	_ = syscall.Kill(-w.pid, syscall.SIGKILL)
	return err
}

func pipeBuffered(f *os.File) int { return 0 }
