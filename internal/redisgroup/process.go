package redisgroup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// proc is one running (or lately running) redis-server process.
//
// Processes are started as children in their own process group and without a parent-death
// signal, so they outlive a crash of this process; a later Open adopts them by port (the process
// that answers on the node's port must report the node's data directory). Own children are
// waited for by a goroutine (no zombies); adopted processes are polled through /proc, and reaped
// with wait4 when they happen to be our children (a subreaper).
type proc struct {
	pid     int
	port    int
	cmd     *exec.Cmd     // nil when adopted
	exited  chan struct{} // own child: closed after Wait returned
	waitErr error         // own child: what Wait returned (read after exited is closed)
	started time.Time

	// Adopted processes: the last /proc check, cached briefly so snapshots stay cheap.
	mu        sync.Mutex
	checkedAt time.Time
	lastAlive bool
}

func (p *proc) adopted() bool { return p.cmd == nil }

// alive reports whether the process still runs (for an adopted process, as checked within the
// last 250 ms).
func (p *proc) alive() bool {
	if p == nil {
		return false
	}
	if p.cmd != nil {
		return p.aliveNow()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.checkedAt.IsZero() && (!p.lastAlive || time.Since(p.checkedAt) < 250*time.Millisecond) {
		return p.lastAlive // death is final
	}
	p.lastAlive, p.checkedAt = pidIsRedis(p.pid, p.port), time.Now()
	return p.lastAlive
}

// aliveNow is alive without the cache.
func (p *proc) aliveNow() bool {
	if p == nil {
		return false
	}
	if p.cmd != nil {
		select {
		case <-p.exited:
			return false
		default:
			return true
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.checkedAt.IsZero() && !p.lastAlive {
		return false
	}
	p.lastAlive, p.checkedAt = pidIsRedis(p.pid, p.port), time.Now()
	return p.lastAlive
}

// signal sends sig to the process if it is still the node's process.
func (p *proc) signal(sig syscall.Signal) error {
	if p.cmd != nil {
		if !p.alive() {
			return nil
		}
		err := p.cmd.Process.Signal(sig)
		if errors.Is(err, os.ErrProcessDone) {
			return nil
		}
		return err
	}
	if !p.aliveNow() {
		return nil
	}
	err := syscall.Kill(p.pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// waitExit waits until the process is gone or d passes.
func (p *proc) waitExit(ctx context.Context, d time.Duration) bool {
	if p.cmd != nil {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-p.exited:
			return true
		case <-t.C:
			return false
		case <-ctx.Done():
			return !p.aliveNow()
		}
	}
	deadline := time.Now().Add(d)
	for {
		if !p.aliveNow() {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pidIsRedis reports whether pid is a live (not zombie) redis-server serving port. It reaps the
// process first if it is a dead child of ours.
func pidIsRedis(pid, port int) bool {
	if pid <= 0 {
		return false
	}
	if reap(pid) {
		return false // it was our child and has now been reaped
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		if st := stat[i+2]; st == 'Z' || st == 'X' {
			// Dead since the first try; a zombie whose other threads are still exiting is not
			// reported by wait4 yet, so keep trying for a moment.
			for i := 0; i < 400; i++ {
				var ws syscall.WaitStatus
				wpid, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
				if err == syscall.EINTR {
					continue
				}
				if err != nil || wpid == pid {
					break // not our child, or reaped
				}
				time.Sleep(5 * time.Millisecond)
			}
			return false
		}
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	return cmdlineIsRedis(string(cmdline), port)
}

// reap collects pid's exit status if it is a dead child of ours (an adopted node re-parented to
// this process when it is a child subreaper) and reports whether it did.
func reap(pid int) bool {
	var ws syscall.WaitStatus
	for {
		wpid, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		return err == nil && wpid == pid
	}
}

// cmdlineIsRedis checks a /proc/<pid>/cmdline: redis-server rewrites it to
// "/usr/bin/redis-server 127.0.0.1:7000 [cluster]"; before that it holds the arguments.
func cmdlineIsRedis(cmdline string, port int) bool {
	cmdline = strings.ReplaceAll(cmdline, "\x00", " ")
	if !strings.Contains(cmdline, "redis-server") {
		return false
	}
	p := strconv.Itoa(port)
	f := strings.Fields(cmdline)
	for i, w := range f {
		if strings.HasSuffix(w, ":"+p) || (w == "--port" && i+1 < len(f) && f[i+1] == p) {
			return true
		}
	}
	return false
}

// spawn starts redis-server as a child in dir.
func (m *Manager) spawn(dir string, args []string, port int) (*proc, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create node directory: %w", err)
	}
	errf, err := os.OpenFile(filepath.Join(dir, "stderr.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open stderr log: %w", err)
	}
	defer errf.Close()
	cmd := exec.Command(m.bin, args...)
	cmd.Dir = dir
	cmd.Stdout = errf
	cmd.Stderr = errf
	// Own process group (a signal to ours does not reach it) and no Pdeathsig: the node must
	// survive a crash of this process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", m.bin, err)
	}
	p := &proc{pid: cmd.Process.Pid, port: port, cmd: cmd, exited: make(chan struct{}), started: time.Now()}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
		m.wake()
	}()
	return p, nil
}

// waitReady waits until the node answers PING (not LOADING), or the process exits. It waits
// for the port to accept connections with plain dials first, so that the node's pooled client
// never records dial errors (go-redis then fails fast for a while), and starts from a fresh
// client.
func (m *Manager) waitReady(ctx context.Context, p *proc, dir string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for !tcpOpen(p.port) {
		if !p.aliveNow() {
			return fmt.Errorf("redis-server on port %d exited at start: %s", p.port, logTail(dir))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on port %d not listening after %s", p.port, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	m.cl.drop(p.port)
	cl := m.cl.get(p.port)
	for {
		if !p.aliveNow() {
			return fmt.Errorf("redis-server on port %d exited at start: %s", p.port, logTail(dir))
		}
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := cl.Ping(pctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on port %d not ready after %s: %w", p.port, timeout, err)
		}
		time.Sleep(15 * time.Millisecond)
	}
}

// logTail returns the last lines of a node's logs, for error messages.
func logTail(dir string) string {
	var parts []string
	for _, name := range []string{"stderr.log", "redis.log"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) == 0 {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) > 3 {
			lines = lines[len(lines)-3:]
		}
		parts = append(parts, strings.Join(lines, " | "))
	}
	if len(parts) == 0 {
		return "no log"
	}
	return strings.Join(parts, " | ")
}

// adoptByPort looks for a live redis-server serving dir on port. It returns nil when nothing
// answers there and the recorded pid is not a live redis-server of that port; an error when
// another redis-server (another directory) holds the port.
func (m *Manager) adoptByPort(ctx context.Context, port, recordedPID int, dir string) (*proc, error) {
	if !tcpOpen(port) {
		if pidIsRedis(recordedPID, port) {
			// Alive but not listening (yet): ours by pid and port; supervision will tell.
			return &proc{pid: recordedPID, port: port, started: time.Now()}, nil
		}
		return nil, nil
	}
	m.cl.drop(port)
	cl := m.cl.get(port)
	ictx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	info, err := cl.Info(ictx, "server").Result()
	if err != nil {
		if pidIsRedis(recordedPID, port) {
			// Alive but not answering (yet): ours by pid and port; supervision will tell.
			return &proc{pid: recordedPID, port: port, started: time.Now()}, nil
		}
		return nil, nil
	}
	f := infoFields(info)
	pid, _ := strconv.Atoi(f["process_id"])
	if pid <= 0 {
		return nil, fmt.Errorf("port %d: INFO has no process_id", port)
	}
	got, err := cl.ConfigGet(ictx, "dir").Result()
	if err != nil {
		return nil, fmt.Errorf("port %d: CONFIG GET dir: %w", port, err)
	}
	if !sameDir(got["dir"], dir) {
		return nil, fmt.Errorf("port %d is held by another redis-server (pid %d, dir %s), not the node of %s", port, pid, got["dir"], dir)
	}
	if !pidIsRedis(pid, port) {
		return nil, fmt.Errorf("port %d: process %d does not look like redis-server", port, pid)
	}
	return &proc{pid: pid, port: port, started: time.Now()}, nil
}

func sameDir(a, b string) bool {
	if a == b {
		return true
	}
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// stopProc stops a node process and waits for it to exit: SHUTDOWN through the node's client
// when graceful (the AOF is flushed and fsynced), else SIGTERM (same effect, no connection
// needed); SIGKILL when it has not exited after the grace period.
func (m *Manager) stopProc(ctx context.Context, p *proc, graceful bool) error {
	if p == nil || !p.aliveNow() {
		return nil
	}
	if graceful {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		err := m.cl.get(p.port).Shutdown(sctx).Err()
		cancel()
		if err != nil && !p.waitExit(ctx, 500*time.Millisecond) {
			_ = p.signal(syscall.SIGTERM)
		}
	} else {
		_ = p.signal(syscall.SIGTERM)
	}
	// Redis ignores a shutdown request while it writes its initial AOF (just after a full sync:
	// "Writing initial AOF, can't exit"), so ask again every half second.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		if p.waitExit(context.WithoutCancel(ctx), 500*time.Millisecond) {
			return nil
		}
		_ = p.signal(syscall.SIGTERM)
	}
	m.log.Warn("redis-server did not stop in time; killing it", "pid", p.pid, "port", p.port)
	_ = p.signal(syscall.SIGKILL)
	if p.waitExit(context.WithoutCancel(ctx), 10*time.Second) {
		return nil
	}
	return fmt.Errorf("redis-server pid %d (port %d) did not exit after SIGKILL", p.pid, p.port)
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tcpOpen reports whether something accepts connections on 127.0.0.1:port.
func tcpOpen(port int) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 500*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// ping checks that a node answers.
func ping(ctx context.Context, cl *redis.Client) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return cl.Ping(ctx).Err()
}
