package workers

import (
	"os"
	"os/exec"
	"syscall"
	"unsafe"
)

// reap waits until the worker's process has exited without reaping it, kills what is left of
// its process group (the zombie keeps the group id from being reused meanwhile), then reaps it.
func reap(w *worker, cmd *exec.Cmd) error {
	waitExited(w.pid)
	w.sigMu.Lock()
	defer w.sigMu.Unlock()
	_ = syscall.Kill(-w.pid, syscall.SIGKILL)
	w.reaped = true
	return cmd.Wait()
}

// sysProcAttr puts a worker in its own process group (so that a stop reaches the processes it
// started) and kills it when the thread that started it dies (workers die with autoscaled).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// waitExited blocks until process pid has exited, without reaping it (waitid WNOWAIT): the
// zombie keeps its pid and process group id from being reused while the group is killed.
func waitExited(pid int) {
	const pPID = 1
	const wNOWAIT = 0x1000000
	var info [128]byte // siginfo_t
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info[0])), syscall.WEXITED|wNOWAIT, 0, 0)
		if e != syscall.EINTR {
			return
		}
	}
}

// pipeBuffered returns the number of bytes waiting in a pipe (FIONREAD).
func pipeBuffered(f *os.File) int {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0
	}
	var n int32
	_ = rc.Control(func(fd uintptr) {
		_, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
		if e != 0 {
			n = 0
		}
	})
	return int(n)
}
