package workers

import (
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// logSink collects a worker's output (stdout and stderr share one pipe, so their lines
// interleave as on a terminal) and the pool's START/END/REPORT lines: into the log file when
// there is one, and into a ring of the last 4 KB for InvokeResult.LogTail.
type logSink struct {
	mu    sync.Mutex
	ring  [logTailSize]byte
	file  *os.File
	total atomic.Int64 // bytes ever written (the ring holds the last logTailSize)
	piped atomic.Int64 // bytes read from the pipe
	pr    *os.File
}

func newLogSink() *logSink { return &logSink{} }

// attach sets the pipe's read end and the log file (nil: none).
func (s *logSink) attach(pr, file *os.File) {
	s.mu.Lock()
	s.pr, s.file = pr, file
	s.mu.Unlock()
}

// abort closes what attach set when the process could not start.
func (s *logSink) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pr != nil {
		s.pr.Close()
	}
	if s.file != nil {
		s.file.Close()
		s.file = nil
	}
}

// readLoop copies the pipe until every writer has closed it.
func (s *logSink) readLoop() {
	buf := make([]byte, 16<<10)
	for {
		n, err := s.pr.Read(buf)
		if n > 0 {
			s.write(buf[:n])
			s.piped.Add(int64(n))
		}
		if err != nil {
			break
		}
	}
	s.mu.Lock()
	s.pr.Close()
	if s.file != nil {
		s.file.Close()
		s.file = nil
	}
	s.mu.Unlock()
}

// size is the number of bytes written so far.
func (s *logSink) size() int64 { return s.total.Load() }

func (s *logSink) write(b []byte) {
	s.mu.Lock()
	if s.file != nil {
		_, _ = s.file.Write(b)
	}
	t := s.total.Load()
	src := b
	if len(src) > logTailSize {
		t += int64(len(src) - logTailSize)
		src = src[len(src)-logTailSize:]
	}
	off := int(t % logTailSize)
	n := copy(s.ring[off:], src)
	copy(s.ring[:], src[n:])
	s.total.Store(t + int64(len(src)))
	s.mu.Unlock()
}

func (s *logSink) writeStart(id, version string) {
	b := make([]byte, 0, 96)
	b = append(b, "START RequestId: "...)
	b = append(b, id...)
	b = append(b, " Version: "...)
	b = append(b, version...)
	b = append(b, '\n')
	s.write(b)
}

// tailSince returns the bytes written since position start, at most the last 4 KB.
func (s *logSink) tailSince(start int64) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.total.Load()
	n := min(t-start, logTailSize, t)
	if n <= 0 {
		return nil
	}
	out := make([]byte, n)
	from := int((t - n) % logTailSize)
	c := copy(out, s.ring[from:])
	copy(out[c:], s.ring[:])
	return out
}

// sync waits (briefly) until what the process wrote so far has been read from the pipe, so
// that a log line printed just before /response is in the tail.
func (s *logSink) sync() {
	s.mu.Lock()
	pr := s.pr
	s.mu.Unlock()
	if pr == nil {
		return
	}
	c0 := s.piped.Load()
	n := pipeBuffered(pr)
	if n <= 0 {
		return
	}
	target := c0 + int64(n)
	deadline := time.Now().Add(20 * time.Millisecond)
	for s.piped.Load() < target && time.Now().Before(deadline) {
		time.Sleep(50 * time.Microsecond)
	}
}
